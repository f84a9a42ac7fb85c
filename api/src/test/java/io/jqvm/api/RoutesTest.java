package io.jqvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.vmm.VmRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class RoutesTest {
    /** A VM that records what it was asked, with the state changes a real one makes. */
    static final class FakeVm implements ControlledVm {
        VmRuntime.State state = VmRuntime.State.RUNNING;
        boolean button = true;
        boolean dumpConfigured;
        final List<String> calls = new ArrayList<>();

        @Override
        public VmRuntime.State state() {
            return state;
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", "fake");
            m.put("state", state.label());
            return m;
        }

        @Override
        public boolean pause() {
            calls.add("pause");
            if (state != VmRuntime.State.RUNNING) {
                return false;
            }
            state = VmRuntime.State.PAUSED;
            return true;
        }

        @Override
        public boolean resume() {
            calls.add("resume");
            if (state != VmRuntime.State.PAUSED) {
                return false;
            }
            state = VmRuntime.State.RUNNING;
            return true;
        }

        @Override
        public boolean pressPowerButton() {
            calls.add("power-button");
            return button;
        }

        @Override
        public void reset() {
            calls.add("reset");
        }

        @Override
        public void powerCut() {
            calls.add("power-cut");
            state = VmRuntime.State.SHUTTING_DOWN;
        }

        @Override
        public boolean dump() {
            calls.add("dump");
            return dumpConfigured;
        }

        @Override
        public MetricsSnapshot metrics() {
            return new MetricsSnapshot("fake", 1.5, Map.of("mmio", 7L), List.of(0.5), Map.of(), Map.of());
        }
    }

    private final FakeVm vm = new FakeVm();
    private final Routes routes = new Routes(() -> Optional.of(vm));

    private Routes.Reply put(String body) {
        return routes.handle("PUT", "/vm/state", null, body);
    }

    @Test
    void describesTheVm() {
        Routes.Reply r = routes.handle("GET", "/vm", null, "");
        assertEquals(200, r.status());
        assertEquals(Routes.JSON, r.contentType());
        assertEquals("{\"name\":\"fake\",\"state\":\"running\"}\n", r.body());
    }

    @Test
    void pausesAndResumesOnceEach() {
        assertEquals(200, put("{\"action\":\"pause\"}").status());
        Routes.Reply again = put("{\"action\": \"pause\"}");
        assertEquals(409, again.status());
        assertTrue(again.body().contains("paused already"), again.body());
        assertEquals("{\"state\":\"running\"}\n", put(" {\"action\":\"resume\"} ").body());
        assertEquals(409, put("{\"action\":\"resume\"}").status());
    }

    @Test
    void powerCutAndResetAnswerBeforeTheyHappen() {
        Routes.Reply cut = put("{\"action\":\"power-cut\"}");
        assertEquals(202, cut.status());
        assertEquals(List.of(), vm.calls, "nothing done before the answer is sent");
        cut.after().run();
        assertEquals(List.of("power-cut"), vm.calls);
        assertEquals(409, put("{\"action\":\"pause\"}").status(), "a VM shutting down takes no action");
        FakeVm other = new FakeVm();
        Routes.Reply reset = new Routes(() -> Optional.of(other)).handle("PUT", "/vm/state", null, "{\"action\":\"reset\"}");
        assertEquals(202, reset.status());
        reset.after().run();
        assertEquals(List.of("reset"), other.calls);
    }

    @Test
    void refusesWhatTheBoardOrConfigurationLacks() {
        vm.button = false;
        assertEquals(409, put("{\"action\":\"power-button\"}").status());
        assertEquals(409, put("{\"action\":\"dump\"}").status());
        vm.button = true;
        vm.dumpConfigured = true;
        assertEquals(200, put("{\"action\":\"power-button\"}").status());
        assertEquals(200, put("{\"action\":\"dump\"}").status());
    }

    @Test
    void badBodiesAre400() {
        for (String body : List.of("", "{", "{action: \"pause\"}", "{\"action\":\"pause\"} x", "[\"pause\"]",
                "{\"action\":1}", "{\"action\":\"pause\",\"extra\":1}", "{\"action\":\"fly\"}", "\"pause\"",
                "{\"action\":\"pause\"}{}", "// c\n{\"action\":\"pause\"}")) {
            Routes.Reply r = put(body);
            assertEquals(400, r.status(), body);
            assertTrue(r.body().startsWith("{\"error\":"), r.body());
        }
        assertEquals(List.of(), vm.calls, "no bad body reaches the VM");
    }

    @Test
    void unknownPathsAndMethods() {
        assertEquals(404, routes.handle("GET", "/", null, "").status());
        assertEquals(404, routes.handle("GET", "/vm/", null, "").status());
        Routes.Reply r = routes.handle("POST", "/vm", null, "");
        assertEquals(405, r.status());
        assertEquals("GET", r.allow());
        assertEquals("PUT", routes.handle("GET", "/vm/state", null, "").allow());
        assertEquals(405, routes.handle("DELETE", "/metrics", null, "").status());
    }

    @Test
    void metricsInBothFormats() {
        Routes.Reply json = routes.handle("GET", "/metrics", null, "");
        assertEquals(200, json.status());
        assertTrue(json.body().contains("\"exits\":{\"mmio\":7}"), json.body());
        assertEquals(json.body(), routes.handle("GET", "/metrics", "format=json", "").body());
        Routes.Reply text = routes.handle("GET", "/metrics", "format=prometheus", "");
        assertEquals(Routes.PROMETHEUS, text.contentType());
        assertTrue(text.body().contains("jqvm_exits_total{vm=\"fake\",kind=\"mmio\"} 7\n"), text.body());
        assertEquals(400, routes.handle("GET", "/metrics", "format=xml", "").status());
    }

    @Test
    void noVmIs503() {
        Routes none = new Routes(Optional::empty);
        assertEquals(503, none.handle("GET", "/vm", null, "").status());
        assertEquals(404, none.handle("GET", "/nope", null, "").status());
    }

    /** Whatever a client sends, the answer is a status with a JSON body, never an exception. */
    @Property(tries = 2000)
    void anyRequestGetsAnAnswer(@ForAll String method, @ForAll String path, @ForAll String query, @ForAll String body) {
        for (String p : List.of(path, "/vm/state", "/metrics")) {
            Routes.Reply r = routes.handle(method, p, query, body);
            assertTrue(r.status() >= 200 && r.status() < 600);
            assertTrue(!r.body().isEmpty());
        }
        Routes.Reply r = routes.handle("PUT", "/vm/state", null, body);
        assertTrue(r.status() == 200 || r.status() == 202 || r.status() == 400 || r.status() == 409, r.body());
    }
}
