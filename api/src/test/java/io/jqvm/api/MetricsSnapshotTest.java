package io.jqvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsSnapshotTest {
    private static MetricsSnapshot sample() {
        Map<String, Long> exits = new LinkedHashMap<>();
        exits.put("pio", 0L);
        exits.put("mmio", 12L);
        Map<String, MetricsSnapshot.Device> devices = new LinkedHashMap<>();
        devices.put("virtio-blk (a.qvmconf:3:1)", new MetricsSnapshot.Device(4, 4096, 1));
        return new MetricsSnapshot("vm\"1", 2.5, exits, List.of(1.25, 0.0), devices, Map.of("instructions_retired", 99L));
    }

    @Test
    void prometheusTextFormat() {
        assertEquals("""
                # HELP jqvm_uptime_seconds Host time since the vCPUs started.
                # TYPE jqvm_uptime_seconds gauge
                jqvm_uptime_seconds{vm="vm\\"1"} 2.5
                # HELP jqvm_exits_total Guest exits handled by jqvm, by kind.
                # TYPE jqvm_exits_total counter
                jqvm_exits_total{vm="vm\\"1",kind="pio"} 0
                jqvm_exits_total{vm="vm\\"1",kind="mmio"} 12
                # HELP jqvm_vcpu_run_seconds_total Host time each vCPU spent running the guest.
                # TYPE jqvm_vcpu_run_seconds_total counter
                jqvm_vcpu_run_seconds_total{vm="vm\\"1",vcpu="0"} 1.25
                jqvm_vcpu_run_seconds_total{vm="vm\\"1",vcpu="1"} 0.0
                # HELP jqvm_device_requests_total Requests a device served.
                # TYPE jqvm_device_requests_total counter
                jqvm_device_requests_total{vm="vm\\"1",device="virtio-blk (a.qvmconf:3:1)"} 4
                # HELP jqvm_device_bytes_total Bytes a device's requests carried.
                # TYPE jqvm_device_bytes_total counter
                jqvm_device_bytes_total{vm="vm\\"1",device="virtio-blk (a.qvmconf:3:1)"} 4096
                # HELP jqvm_device_errors_total Errors a device met.
                # TYPE jqvm_device_errors_total counter
                jqvm_device_errors_total{vm="vm\\"1",device="virtio-blk (a.qvmconf:3:1)"} 1
                # HELP jqvm_accelerator_instructions_retired_total The accelerator's instructions retired.
                # TYPE jqvm_accelerator_instructions_retired_total counter
                jqvm_accelerator_instructions_retired_total{vm="vm\\"1"} 99
                """, sample().toPrometheus());
    }

    @Test
    void labelValuesAreEscaped() {
        assertEquals("a\\\\b\\\"c\\nd", MetricsSnapshot.escape("a\\b\"c\nd"));
    }

    @Test
    void jsonTreeKeepsItsOrder() {
        assertEquals(List.of("vm", "uptime_seconds", "exits", "vcpu_run_seconds", "devices", "accelerator"),
                List.copyOf(sample().toJsonTree().keySet()));
    }
}
