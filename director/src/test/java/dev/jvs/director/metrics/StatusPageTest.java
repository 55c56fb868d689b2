package dev.jvs.director.metrics;

import dev.jvs.model.Rates;
import dev.jvs.model.Stats;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whatever a checker's reason or an instance name holds, the page and the JSON stay inert. */
class StatusPageTest {

    private static final String HOSTILE = "<script>alert('x')</script>\"&\u2028\n";

    private static StatusModel model() {
        var server = new StatusModel.ServerStatus("10.0.0.2:80", "Masq", 1, StatusModel.State.DOWN, 0, 3,
                Rates.ZERO, "HTTP_GET", HOSTILE, 1_700_000_000_000L);
        var service = new StatusModel.ServiceStatus("TCP", "10.0.0.1:80", "wlc", false, Stats.ZERO, Rates.ZERO,
                List.of(server));
        return new StatusModel(1_700_000_000_000L, List.of(service), List.of(new StatusModel.VrrpStatus(HOSTILE, "MASTER", 1)));
    }

    @Test
    void htmlEscapesEverythingAndLoadsNothing() {
        String html = StatusPage.html(model());
        assertFalse(html.contains("<script"), html);
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;"), html);
        assertFalse(html.contains("src="), "no external or inline resources");
        assertTrue(html.contains("<meta http-equiv=\"refresh\" content=\"" + StatusPage.REFRESH_SECONDS + "\">"));
        assertTrue(html.contains("class=\"st down\">down<"), html);
    }

    @Test
    void jsonEscapesStringsAndKeepsTheValues() {
        String json = StatusPage.json(model());
        assertFalse(json.contains("<"), json);
        assertTrue(json.contains("\"reason\":\"\\u003cscript\\u003ealert('x')\\u003c/script\\u003e\\\"\\u0026\\u2028\\n\""),
                json);
        assertTrue(json.contains("\"state\":\"down\""), json);
        assertTrue(json.contains("\"inactive_connections\":3"), json);
        assertEquals('{', json.charAt(0));
    }

    @Test
    void listenAddressesAreNumeric() {
        assertEquals("127.0.0.1", MetricsServer.parseListen("127.0.0.1:9101").getAddress().getHostAddress());
        assertEquals(9101, MetricsServer.parseListen("[::1]:9101").getPort());
        for (String bad : List.of("9101", "localhost:9101", "::1:9101", "127.0.0.1:", "127.0.0.1:70000")) {
            try {
                MetricsServer.parseListen(bad);
                throw new AssertionError(bad + " accepted");
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage().startsWith("--metrics-listen " + bad), expected.getMessage());
            }
        }
    }
}
