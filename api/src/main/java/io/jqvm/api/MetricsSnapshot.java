package io.jqvm.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The VM's counters at one moment: exits by kind, each vCPU's run time, each metered device's requests, bytes
 * and errors, and the accelerator's own counters (the software CPU's instructions retired and regions
 * compiled). Rendered as JSON ({@code GET /metrics}, the metrics file) or in Prometheus' text format.
 */
record MetricsSnapshot(String vm, double uptimeSeconds, Map<String, Long> exits, List<Double> vcpuRunSeconds,
                       Map<String, Device> devices, Map<String, Long> accelerator) {

    record Device(long requests, long bytes, long errors) {
    }

    /** The JSON document's tree, in a fixed order. */
    Map<String, Object> toJsonTree() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("vm", vm);
        root.put("uptime_seconds", uptimeSeconds);
        root.put("exits", exits);
        root.put("vcpu_run_seconds", vcpuRunSeconds);
        Map<String, Object> devs = new LinkedHashMap<>();
        devices.forEach((name, d) -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("requests", d.requests());
            counts.put("bytes", d.bytes());
            counts.put("errors", d.errors());
            devs.put(name, counts);
        });
        root.put("devices", devs);
        root.put("accelerator", accelerator);
        return root;
    }

    /** Prometheus' text exposition format (version 0.0.4): one family per counter, the VM as a label. */
    String toPrometheus() {
        StringBuilder out = new StringBuilder();
        String vmLabel = "vm=\"" + escape(vm) + "\"";
        family(out, "jqvm_uptime_seconds", "gauge", "Host time since the vCPUs started.");
        out.append("jqvm_uptime_seconds{").append(vmLabel).append("} ").append(uptimeSeconds).append('\n');
        family(out, "jqvm_exits_total", "counter", "Guest exits handled by jqvm, by kind.");
        exits.forEach((kind, n) -> out.append("jqvm_exits_total{").append(vmLabel).append(",kind=\"").append(escape(kind))
                .append("\"} ").append(n).append('\n'));
        family(out, "jqvm_vcpu_run_seconds_total", "counter", "Host time each vCPU spent running the guest.");
        for (int i = 0; i < vcpuRunSeconds.size(); i++) {
            out.append("jqvm_vcpu_run_seconds_total{").append(vmLabel).append(",vcpu=\"").append(i).append("\"} ")
                    .append(vcpuRunSeconds.get(i)).append('\n');
        }
        deviceFamily(out, vmLabel, "requests", "Requests a device served.", Device::requests);
        deviceFamily(out, vmLabel, "bytes", "Bytes a device's requests carried.", Device::bytes);
        deviceFamily(out, vmLabel, "errors", "Errors a device met.", Device::errors);
        accelerator.forEach((name, n) -> {
            String metric = "jqvm_accelerator_" + name + "_total";
            family(out, metric, "counter", "The accelerator's " + name.replace('_', ' ') + ".");
            out.append(metric).append('{').append(vmLabel).append("} ").append(n).append('\n');
        });
        return out.toString();
    }

    private void deviceFamily(StringBuilder out, String vmLabel, String what, String help,
                              java.util.function.ToLongFunction<Device> value) {
        String metric = "jqvm_device_" + what + "_total";
        family(out, metric, "counter", help);
        devices.forEach((name, d) -> out.append(metric).append('{').append(vmLabel).append(",device=\"").append(escape(name))
                .append("\"} ").append(value.applyAsLong(d)).append('\n'));
    }

    private static void family(StringBuilder out, String metric, String type, String help) {
        out.append("# HELP ").append(metric).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(metric).append(' ').append(type).append('\n');
    }

    /** A label value: backslash, double quote and line feed escaped, as the format requires. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
