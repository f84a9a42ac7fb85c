package io.jqvm.api;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.jqvm.vmm.VmRuntime;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The control API's resources, independent of the HTTP server: a method, a path, a query and a body in, a
 * {@link Reply} out. Every error is a JSON object {@code {"error": "..."}} with its status: 400 for a body that is
 * not the JSON asked for or names no known action, 404 for an unknown path, 405 for a method the path does not
 * take, 409 for an action the VM's state refuses, 503 while no VM runs (assembling, or between reset cycles).
 */
final class Routes {
    /** Every path and the one method it takes; {@code docs/api/jqvm-api.yaml} describes the same. */
    static final Map<String, String> PATHS = Map.of("/vm", "GET", "/vm/state", "PUT", "/metrics", "GET");
    /** {@code PUT /vm/state} actions. */
    static final List<String> ACTIONS = List.of("pause", "resume", "power-button", "reset", "power-cut", "dump");
    static final String JSON = "application/json";
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

    /**
     * A response. {@code after} runs once it has been sent: an action that ends the VM (power cut, reset) must
     * not end it before the client hears that it was taken.
     */
    record Reply(int status, String contentType, String body, String allow, Runnable after) {
        static Reply json(int status, Object tree) {
            return new Reply(status, JSON, GSON.toJson(tree) + "\n", null, () -> { });
        }

        static Reply error(int status, String message) {
            return json(status, Map.of("error", message));
        }

        Reply then(Runnable action) {
            return new Reply(status, contentType, body, allow, action);
        }
    }

    private final Supplier<Optional<ControlledVm>> current;

    Routes(Supplier<Optional<ControlledVm>> current) {
        this.current = current;
    }

    Reply handle(String method, String path, String query, String body) {
        String allowed = PATHS.get(path);
        if (allowed == null) {
            return Reply.error(404, "no resource " + path + " (there are " + String.join(", ", PATHS.keySet().stream().sorted().toList()) + ")");
        }
        if (!allowed.equals(method)) {
            Reply r = Reply.error(405, path + " takes " + allowed + ", not " + method);
            return new Reply(r.status(), r.contentType(), r.body(), allowed, r.after());
        }
        Optional<ControlledVm> vm = current.get();
        if (vm.isEmpty()) {
            return Reply.error(503, "no VM is running right now (it is being assembled, or reset)");
        }
        try {
            return switch (path) {
                case "/vm" -> Reply.json(200, vm.get().describe());
                case "/vm/state" -> changeState(vm.get(), body);
                case "/metrics" -> metrics(vm.get(), query);
                default -> throw new AssertionError(path);
            };
        } catch (IOException e) {
            return Reply.error(500, e.getMessage());
        }
    }

    private static Reply metrics(ControlledVm vm, String query) {
        String format = query == null || query.isEmpty() ? "format=json" : query;
        return switch (format) {
            case "format=json" -> Reply.json(200, vm.metrics().toJsonTree());
            case "format=prometheus" -> new Reply(200, PROMETHEUS, vm.metrics().toPrometheus(), null, () -> { });
            default -> Reply.error(400, "query " + query + ": the only one is format=json or format=prometheus");
        };
    }

    private static Reply changeState(ControlledVm vm, String body) throws IOException {
        String action;
        try {
            action = action(body);
        } catch (IllegalArgumentException e) {
            return Reply.error(400, e.getMessage());
        }
        if (vm.state() == VmRuntime.State.SHUTTING_DOWN) {
            return Reply.error(409, "the VM is shutting down");
        }
        return switch (action) {
            case "pause" -> vm.pause() ? stateReply(vm) : Reply.error(409, vm.state() == VmRuntime.State.PAUSED
                    ? "the VM is paused already" : "the VM cannot be paused now (its vCPUs have not started)");
            case "resume" -> vm.resume() ? stateReply(vm) : Reply.error(409, "the VM is not paused");
            case "power-button" -> vm.pressPowerButton() ? stateReply(vm)
                    : Reply.error(409, "this board has no power button");
            case "dump" -> vm.dump() ? stateReply(vm)
                    : Reply.error(409, "no 'dump' option says where a guest dump goes");
            case "reset" -> Reply.json(202, Map.of("state", "resetting")).then(vm::reset);
            case "power-cut" -> Reply.json(202, Map.of("state", VmRuntime.State.SHUTTING_DOWN.label())).then(vm::powerCut);
            default -> throw new AssertionError(action);
        };
    }

    private static Reply stateReply(ControlledVm vm) {
        return Reply.json(200, Map.of("state", vm.state().label()));
    }

    /** The action of {@code {"action": "..."}}, strict JSON with no other member; else a reason to refuse it. */
    static String action(String body) {
        if (!(parse(body) instanceof JsonObject object) || object.size() != 1 || !object.has("action")
                || !object.get("action").isJsonPrimitive() || !object.get("action").getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("the body must be {\"action\": A} with A one of " + String.join(", ", ACTIONS));
        }
        String action = object.get("action").getAsString();
        if (!ACTIONS.contains(action)) {
            throw new IllegalArgumentException("unknown action \"" + action + "\" (actions: " + String.join(", ", ACTIONS) + ")");
        }
        return action;
    }

    /** One strict JSON value (RFC 8259: no comments, no unquoted names) and nothing after it. */
    private static JsonElement parse(String body) {
        try (JsonReader reader = new JsonReader(new StringReader(body == null ? "" : body))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement value = GSON.getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("the body has more after its JSON value");
            }
            return value;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
    }
}
