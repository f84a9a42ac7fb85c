package io.jqvm.mediator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Which waiting request the mediator serves next. Each client has a priority class, an optional share (requests
 * per second, a token bucket) and a backlog (requests queued at most). The rules:
 * <ul>
 *   <li>a request of a higher class is always taken before one of a lower class, when both may be taken;</li>
 *   <li>a client with a share takes at most {@code burst + share × seconds} requests in any interval: its
 *       requests wait for tokens, and meanwhile lower classes may go (work-conserving);</li>
 *   <li>clients of one class take turns (round robin), each request in its own client's order (FIFO);</li>
 *   <li>a client whose backlog is full gets its next request refused ({@link #offer} says so; the caller answers
 *       it with an I/O error or leaves it in the ring, as the client's overflow policy says).</li>
 * </ul>
 * A client stopping its rings is {@link #expedite}d: its queued requests no longer wait for tokens, so the stop
 * completes soon. Time is passed in (nanoseconds) so that tests can drive it. Thread-safe.
 *
 * @param <R> what a request is to the caller
 */
public final class PriorityScheduler<R> {
    /** How one client is served: its class (higher first), share (0: unlimited), burst and backlog. */
    public record Policy(int priority, long sharePerSecond, int burst, int backlog) {
        public Policy {
            if (sharePerSecond < 0 || burst < 1 || backlog < 1) {
                throw new IllegalArgumentException("share, burst and backlog must be positive: " + this);
            }
        }
    }

    /** One client's queue and token bucket. */
    public static final class Client<R> {
        private final String name;
        private final Policy policy;
        private final ArrayDeque<R> queue = new ArrayDeque<>();
        private double tokens;
        private long refilledAt;
        private boolean expedited;
        private long served;
        private long refused;

        private Client(String name, Policy policy, long now) {
            this.name = name;
            this.policy = policy;
            this.tokens = policy.burst();
            this.refilledAt = now;
        }

        public String name() {
            return name;
        }

        public Policy policy() {
            return policy;
        }

        /** Requests taken so far. */
        public synchronized long served() {
            return served;
        }

        /** Requests refused so far. */
        public synchronized long refused() {
            return refused;
        }

        private void refill(long now) {
            if (policy.sharePerSecond() == 0) {
                return;
            }
            long elapsed = now - refilledAt;
            if (elapsed > 0) {
                tokens = Math.min(policy.burst(), tokens + elapsed * (policy.sharePerSecond() / 1e9));
                refilledAt = now;
            }
        }

        private boolean eligible(long now) {
            if (queue.isEmpty()) {
                return false;
            }
            refill(now);
            return expedited || policy.sharePerSecond() == 0 || tokens >= 1;
        }

        /** Nanoseconds from {@code now} until this client has a token. */
        private long untilToken() {
            return (long) Math.ceil((1 - tokens) * 1e9 / policy.sharePerSecond());
        }
    }

    /** A request taken for service, with the client it came from. */
    public record Taken<R>(Client<R> client, R request) {
    }

    private final List<Client<R>> clients = new ArrayList<>();
    private int turn; // where the round robin within a class starts next

    /** Adds a client; {@code now} starts its token bucket full. */
    public synchronized Client<R> register(String name, Policy policy, long now) {
        Client<R> c = new Client<>(name, policy, now);
        clients.add(c);
        return c;
    }

    /** True when {@code client} may queue another request without being refused. */
    public synchronized boolean hasRoom(Client<R> client) {
        return client.queue.size() < client.policy.backlog();
    }

    /** Queues {@code request}; false (and counted as refused) when the client's backlog is full. */
    public synchronized boolean offer(Client<R> client, R request) {
        if (client.queue.size() >= client.policy.backlog()) {
            client.refused++;
            return false;
        }
        client.queue.addLast(request);
        notifyAll();
        return true;
    }

    /** The next request to serve at time {@code now}, or null when no client may go now. */
    public synchronized Taken<R> poll(long now) {
        Client<R> best = null;
        int n = clients.size();
        for (int k = 0; k < n; k++) {
            Client<R> c = clients.get((turn + k) % n);
            if (c.eligible(now) && (best == null || c.policy.priority() > best.policy.priority())) {
                best = c;
            }
        }
        if (best == null) {
            return null;
        }
        turn = (clients.indexOf(best) + 1) % n;
        if (!best.expedited && best.policy.sharePerSecond() != 0) {
            best.tokens -= 1;
        }
        best.served++;
        return new Taken<>(best, best.queue.pollFirst());
    }

    /**
     * Waits until a request may be served and takes it; null when {@code stop} reports true (checked whenever
     * {@link #wake} is called). Sleeps until the earliest token when only rate-limited clients wait.
     */
    public synchronized Taken<R> take(java.util.function.BooleanSupplier stop) throws InterruptedException {
        while (!stop.getAsBoolean()) {
            long now = System.nanoTime();
            Taken<R> t = poll(now);
            if (t != null) {
                return t;
            }
            long wait = nanosUntilEligible(now);
            if (wait < 0) {
                wait();
            } else {
                wait(Math.max(1, wait / 1_000_000), 0);
            }
        }
        return null;
    }

    /** Wakes the threads in {@link #take} (to see a stop, or an expedited client). */
    public synchronized void wake() {
        notifyAll();
    }

    /** Nanoseconds until some queued request becomes eligible at the earliest, -1 when none is queued. */
    synchronized long nanosUntilEligible(long now) {
        long best = -1;
        for (Client<R> c : clients) {
            if (c.queue.isEmpty()) {
                continue;
            }
            c.refill(now);
            long wait = c.eligible(now) ? 0 : c.untilToken();
            best = best < 0 ? wait : Math.min(best, wait);
        }
        return best;
    }

    /** Lets {@code client}'s queued requests go without tokens (true) or ends that (false). */
    public synchronized void expedite(Client<R> client, boolean on) {
        client.expedited = on;
        notifyAll();
    }

    /** Removes and returns everything {@code client} has queued (its connection ended). */
    public synchronized List<R> drop(Client<R> client) {
        List<R> dropped = new ArrayList<>(client.queue);
        client.queue.clear();
        return dropped;
    }

    /** Requests {@code client} has queued. */
    public synchronized int queued(Client<R> client) {
        return client.queue.size();
    }
}
