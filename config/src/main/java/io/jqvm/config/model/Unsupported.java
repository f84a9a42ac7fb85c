package io.jqvm.config.model;

/** The {@code unsupported} option: what to do when the guest does something the VM cannot emulate. */
public final class Unsupported {
    private Unsupported() {
    }

    public enum Kind {
        INSTRUCTION(Action.FAIL), REFERENCE(Action.IGNORE), REGISTER(Action.FAIL);

        private final Action defaultAction;

        Kind(Action defaultAction) {
            this.defaultAction = defaultAction;
        }

        /** qvm's documented default for this kind. */
        public Action defaultAction() {
            return defaultAction;
        }
    }

    /** abort: report and stop the VM; fail: inject a CPU exception; ignore: no-op, reads return all-ones. */
    public enum Action {
        ABORT, FAIL, IGNORE
    }
}
