package io.jqvm.api;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Jetty's side of the API: reads the request (a bounded body), asks {@link Routes}, writes the reply. */
final class ApiHandler extends Handler.Abstract {
    /** No request of this API needs more; a longer body is refused before it is read. */
    static final int MAX_BODY = 64 * 1024;

    private final Routes routes;

    ApiHandler(Routes routes) {
        this.routes = routes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Routes.Reply reply;
        byte[] body = request.getLength() > MAX_BODY ? null : readAtMost(request, MAX_BODY + 1);
        if (body == null || body.length > MAX_BODY) {
            reply = Routes.Reply.error(413, "the body is longer than " + MAX_BODY + " bytes");
        } else {
            reply = routes.handle(request.getMethod(), Request.getPathInContext(request), request.getHttpURI().getQuery(),
                    new String(body, StandardCharsets.UTF_8));
        }
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        if (reply.allow() != null) {
            response.getHeaders().put(HttpHeader.ALLOW, reply.allow());
        }
        Runnable after = reply.after();
        Content.Sink.write(response, true, reply.body(), Callback.from(() -> {
            callback.succeeded();
            after.run();
        }, failure -> {
            callback.failed(failure);
            after.run();
        }));
        return true;
    }

    private static byte[] readAtMost(Request request, int limit) throws java.io.IOException {
        try (InputStream in = Content.Source.asInputStream(request)) {
            return in.readNBytes(limit);
        }
    }
}
