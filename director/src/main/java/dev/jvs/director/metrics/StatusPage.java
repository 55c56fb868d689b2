package dev.jvs.director.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.jvs.model.Rates;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * {@code GET /} (an HTML page that reloads itself) and {@code GET /status.json} (the same data) on the metrics port.
 * Read-only: other methods get 405. Every value is escaped; the page loads nothing from elsewhere and runs no
 * script, and its Content-Security-Policy says so.
 */
final class StatusPage implements HttpHandler {

    /** Seconds between reloads: the estimator's 2-second rates change no faster. */
    static final int REFRESH_SECONDS = 2;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Sources sources;

    StatusPage(Sources sources) {
        this.sources = sources;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            var headers = exchange.getResponseHeaders();
            headers.set("Cache-Control", "no-store");
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("Referrer-Policy", "no-referrer");
            headers.set("X-Frame-Options", "DENY");
            headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
            if (!method.equals("GET") && !method.equals("HEAD")) {
                headers.set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            switch (path) {
                case "/", "/index.html" -> send(exchange, 200, "text/html; charset=utf-8", html(StatusModel.read(sources)));
                case "/status.json" -> send(exchange, 200, "application/json", json(StatusModel.read(sources)));
                default -> send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    // ---------------------------------------------------------------- HTML

    static String html(StatusModel m) {
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
                .append("<title>JVS director</title><style>")
                .append("body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:8px;background:#f6f7f9;color:#111}")
                .append("h1{font-size:18px;margin:4px 0}h2{font-size:16px;margin:0 0 4px}")
                .append(".svc,.vrrp{background:#fff;border:1px solid #ccd;border-radius:6px;padding:8px;margin:8px 0}")
                .append(".meta{color:#555;font-size:13px}table{border-collapse:collapse;width:100%}")
                .append("th,td{text-align:left;padding:3px 6px;border-top:1px solid #eee;vertical-align:top}")
                .append("th{font-size:12px;color:#555;font-weight:600}")
                .append(".st{font-weight:700;border-radius:4px;padding:1px 6px;color:#fff}")
                .append(".up{background:#1a7f37}.down{background:#c62828}.draining{background:#b26a00}")
                .append(".quiesced{background:#6b6b6b}.MASTER{background:#1a7f37}.BACKUP{background:#345}")
                .append(".FAULT{background:#c62828}.INIT,.STOP{background:#6b6b6b}.why{color:#555;font-size:12px}")
                .append("@media (max-width:600px){thead{display:none}tr{display:block;border-top:1px solid #ddd;padding:4px 0}")
                .append("td{display:inline-block;border:0;padding:2px 6px}td[data-l]::before{content:attr(data-l) ': ';color:#777}}")
                .append("</style></head><body>");
        h.append("<h1>JVS director</h1><p class=\"meta\">").append(esc(TIME.format(Instant.ofEpochMilli(m.generatedAtMillis()))))
                .append(" · reloads every ").append(REFRESH_SECONDS).append(" s · <a href=\"status.json\">status.json</a>")
                .append(" · <a href=\"metrics\">metrics</a></p>");
        for (StatusModel.VrrpStatus v : m.vrrp()) {
            h.append("<div class=\"vrrp\">VRRP <b>").append(esc(v.instance())).append("</b> <span class=\"st ")
                    .append(esc(v.state())).append("\">").append(esc(v.state())).append("</span> <span class=\"meta\">")
                    .append(v.transitions()).append(" transitions</span></div>");
        }
        if (m.services().isEmpty()) h.append("<p>No virtual services.</p>");
        for (StatusModel.ServiceStatus s : m.services()) {
            h.append("<div class=\"svc\"><h2>").append(esc(s.protocol())).append(' ').append(esc(s.address()))
                    .append("</h2><div class=\"meta\">").append(esc(s.scheduler()));
            if (s.persistent()) h.append(" · persistent");
            h.append(" · ").append(rates(s.rates())).append(" · ").append(s.stats().conns()).append(" connections in all</div>");
            h.append("<table><thead><tr><th>real server</th><th>state</th><th>weight</th><th>active</th>")
                    .append("<th>inactive</th><th>rates</th><th>health check</th></tr></thead><tbody>");
            for (StatusModel.ServerStatus r : s.servers()) {
                String state = r.state().label();
                h.append("<tr class=\"rs\"><td><b>").append(esc(r.address())).append("</b> ").append(esc(r.forward()))
                        .append("</td><td><span class=\"st ").append(state).append("\">").append(state).append("</span></td>")
                        .append("<td data-l=\"weight\">").append(r.weight()).append("</td>")
                        .append("<td data-l=\"active\">").append(r.activeConns()).append("</td>")
                        .append("<td data-l=\"inactive\">").append(r.inactiveConns()).append("</td>")
                        .append("<td data-l=\"rates\">").append(rates(r.rates())).append("</td><td>");
                if (!r.checkers().isEmpty()) {
                    h.append(esc(r.checkers())).append(" <span class=\"why\">").append(esc(r.reason()));
                    if (r.healthChangedAtMillis() > 0) {
                        h.append(" (since ").append(esc(TIME.format(Instant.ofEpochMilli(r.healthChangedAtMillis()))))
                                .append(')');
                    }
                    h.append("</span>");
                }
                h.append("</td></tr>");
            }
            if (s.servers().isEmpty()) h.append("<tr><td colspan=\"7\">no real servers</td></tr>");
            h.append("</tbody></table></div>");
        }
        return h.append("</body></html>\n").toString();
    }

    private static String rates(Rates r) {
        return r.cps() + " conn/s, " + r.inPps() + "/" + r.outPps() + " pkt/s, " + r.inBps() + "/" + r.outBps() + " B/s";
    }

    /** Escapes text for HTML element content and quoted attribute values. */
    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- JSON

    static String json(StatusModel m) {
        StringBuilder j = new StringBuilder(2048);
        j.append("{\"generated_at\":").append(str(Instant.ofEpochMilli(m.generatedAtMillis()).toString()))
                .append(",\"refresh_seconds\":").append(REFRESH_SECONDS).append(",\"vrrp\":[");
        for (int i = 0; i < m.vrrp().size(); i++) {
            StatusModel.VrrpStatus v = m.vrrp().get(i);
            if (i > 0) j.append(',');
            j.append("{\"instance\":").append(str(v.instance())).append(",\"state\":").append(str(v.state()))
                    .append(",\"transitions\":").append(v.transitions()).append('}');
        }
        j.append("],\"services\":[");
        for (int i = 0; i < m.services().size(); i++) {
            StatusModel.ServiceStatus s = m.services().get(i);
            if (i > 0) j.append(',');
            j.append("{\"protocol\":").append(str(s.protocol())).append(",\"address\":").append(str(s.address()))
                    .append(",\"scheduler\":").append(str(s.scheduler())).append(",\"persistent\":").append(s.persistent())
                    .append(",\"connections\":").append(s.stats().conns())
                    .append(",\"in_packets\":").append(s.stats().inPkts()).append(",\"out_packets\":").append(s.stats().outPkts())
                    .append(",\"in_bytes\":").append(s.stats().inBytes()).append(",\"out_bytes\":").append(s.stats().outBytes())
                    .append(",\"rates\":").append(jsonRates(s.rates())).append(",\"real_servers\":[");
            for (int k = 0; k < s.servers().size(); k++) {
                StatusModel.ServerStatus r = s.servers().get(k);
                if (k > 0) j.append(',');
                j.append("{\"address\":").append(str(r.address())).append(",\"forward\":").append(str(r.forward()))
                        .append(",\"weight\":").append(r.weight()).append(",\"state\":").append(str(r.state().label()))
                        .append(",\"active_connections\":").append(r.activeConns())
                        .append(",\"inactive_connections\":").append(r.inactiveConns())
                        .append(",\"rates\":").append(jsonRates(r.rates()));
                if (!r.checkers().isEmpty()) {
                    j.append(",\"health\":{\"checkers\":").append(str(r.checkers()))
                            .append(",\"passing\":").append(r.state() != StatusModel.State.DOWN)
                            .append(",\"reason\":").append(str(r.reason()))
                            .append(",\"since\":").append(str(Instant.ofEpochMilli(r.healthChangedAtMillis()).toString()))
                            .append('}');
                }
                j.append('}');
            }
            j.append("]}");
        }
        return j.append("]}\n").toString();
    }

    private static String jsonRates(Rates r) {
        return "{\"cps\":" + r.cps() + ",\"in_pps\":" + r.inPps() + ",\"out_pps\":" + r.outPps() + ",\"in_bps\":"
                + r.inBps() + ",\"out_bps\":" + r.outBps() + "}";
    }

    /** A JSON string literal; control characters and anything that could close a script tag are escaped. */
    static String str(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
