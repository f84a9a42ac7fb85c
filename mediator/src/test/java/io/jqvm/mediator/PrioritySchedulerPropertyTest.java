package io.jqvm.mediator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The scheduler's rules against generated clients and request streams (offers, polls and clock steps in any
 * order), checked against a model of each client's queue and token bucket.
 */
class PrioritySchedulerPropertyTest {
    /** One step of a stream: offer to a client, poll, or let time pass. */
    record Step(int kind, int client, long nanos) {
    }

    @Provide
    Arbitrary<List<PriorityScheduler.Policy>> policies() {
        Arbitrary<PriorityScheduler.Policy> p = Combinators.combine(
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(0L, 0L, 50L, 1000L, 100_000L),
                Arbitraries.integers().between(1, 8),
                Arbitraries.integers().between(1, 16)).as(PriorityScheduler.Policy::new);
        return p.list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<List<Step>> streams() {
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 4),
                Arbitraries.longs().between(0, 50_000_000L)).as(Step::new);
        return step.list().ofMaxSize(400);
    }

    @Property(tries = 300)
    void theRulesHoldForAnyStream(@ForAll("policies") List<PriorityScheduler.Policy> policies,
            @ForAll("streams") List<Step> steps) {
        PriorityScheduler<Long> s = new PriorityScheduler<>();
        long now = 1_000_000_000L;
        List<PriorityScheduler.Client<Long>> clients = new ArrayList<>();
        List<ArrayDeque<Long>> model = new ArrayList<>();
        List<List<Long>> servedAt = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            clients.add(s.register("c" + i, policies.get(i), now));
            model.add(new ArrayDeque<>());
            servedAt.add(new ArrayList<>());
        }
        long start = now;
        long next = 0;
        for (Step step : steps) {
            int c = step.client() % clients.size();
            switch (step.kind()) {
                case 0 -> {
                    boolean room = model.get(c).size() < policies.get(c).backlog();
                    assertEquals(room, s.hasRoom(clients.get(c)));
                    long request = next++;
                    assertEquals(room, s.offer(clients.get(c), request), "refused exactly when the backlog is full");
                    if (room) {
                        model.get(c).addLast(request);
                    }
                }
                case 1 -> {
                    PriorityScheduler.Taken<Long> t = s.poll(now);
                    if (t == null) {
                        // work-conserving: nothing may wait that could go now
                        long wait = s.nanosUntilEligible(now);
                        assertTrue(wait != 0, "poll gave nothing although a request was eligible");
                        for (int i = 0; i < clients.size(); i++) {
                            if (policies.get(i).sharePerSecond() == 0) {
                                assertTrue(model.get(i).isEmpty(), "an unlimited client waits with nothing served");
                            }
                        }
                        continue;
                    }
                    int from = clients.indexOf(t.client());
                    assertEquals(model.get(from).pollFirst(), t.request(), "each client's requests in its own order");
                    servedAt.get(from).add(now);
                    for (int i = 0; i < clients.size(); i++) {
                        if (policies.get(i).priority() > policies.get(from).priority()
                                && policies.get(i).sharePerSecond() == 0) {
                            assertTrue(model.get(i).isEmpty(), "a lower class went before an unlimited higher one");
                        }
                    }
                }
                default -> now += step.nanos();
            }
        }
        for (int i = 0; i < clients.size(); i++) {
            PriorityScheduler.Policy p = policies.get(i);
            if (p.sharePerSecond() == 0) {
                continue;
            }
            // in every interval [a, b] the client took at most burst + share × (b - a) requests
            List<Long> at = servedAt.get(i);
            for (int a = 0; a < at.size(); a++) {
                for (int b = a; b < at.size(); b++) {
                    double allowed = p.burst() + p.sharePerSecond() * ((at.get(b) - at.get(a)) / 1e9) + 1e-6;
                    assertTrue(b - a + 1 <= allowed, "client " + i + " took " + (b - a + 1) + " requests in "
                            + (at.get(b) - at.get(a)) + " ns with share " + p.sharePerSecond() + " and burst " + p.burst());
                }
            }
            // and over the whole run no more than its share allows since it started
            assertTrue(at.size() <= p.burst() + p.sharePerSecond() * ((now - start) / 1e9) + 1e-6);
        }
    }

    @Property(tries = 100)
    void aFloodingLowClassStillProgressesWhileTheHighClassIsIdle(@ForAll @IntRange(min = 1, max = 200) int flood,
            @ForAll @Size(max = 50) List<@IntRange(min = 0, max = 20_000_000) Integer> gaps) {
        PriorityScheduler<Integer> s = new PriorityScheduler<>();
        long now = 0;
        PriorityScheduler.Client<Integer> high = s.register("safety", new PriorityScheduler.Policy(10, 0, 1, 64), now);
        PriorityScheduler.Client<Integer> low = s.register("media", new PriorityScheduler.Policy(1, 1000, 4, 256), now);
        for (int i = 0; i < flood; i++) {
            s.offer(low, i);
        }
        int served = 0;
        for (int gap : gaps) {
            s.offer(high, -1);
            PriorityScheduler.Taken<Integer> t = s.poll(now);
            assertNotNull(t);
            assertEquals(high, t.client(), "the safety client's request goes first, whatever the flood");
            now += gap;
            while ((t = s.poll(now)) != null) {
                assertEquals(low, t.client());
                served++;
            }
        }
        now += 1_000_000_000L; // a second of an idle safety client: the flood gets its share
        while (s.poll(now) != null) {
            served++;
            now += 1_000_000L;
        }
        assertEquals(flood, served, "every flooding request is eventually served");
        assertNull(s.poll(now));
        assertFalse(s.nanosUntilEligible(now) > 0);
    }

    @Property(tries = 50)
    void anExpeditedClientNeedsNoTokens(@ForAll @IntRange(min = 2, max = 64) int queued) {
        PriorityScheduler<Integer> s = new PriorityScheduler<>();
        PriorityScheduler.Client<Integer> c = s.register("slow", new PriorityScheduler.Policy(0, 1, 1, 64), 0);
        for (int i = 0; i < queued; i++) {
            s.offer(c, i);
        }
        assertNotNull(s.poll(0));
        assertNull(s.poll(0), "the one token is spent");
        s.expedite(c, true);
        for (int i = 1; i < queued; i++) {
            assertEquals(i, s.poll(0).request());
        }
    }
}
