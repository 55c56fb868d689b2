package dev.jvs.healthcheck;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * {@code jvs-genhash}: prints the MD5 digest of a URL's body, as keepalived's {@code genhash} does, to paste into
 * an HTTP_GET/SSL_GET {@code digest}. The digest is computed exactly as the checker computes it.
 *
 * <p>Difference from genhash: a failed connection exits with status 1 (genhash prints "Connection failed" and
 * exits 0).
 */
public final class Genhash {

    private static final String USAGE = """
            Usage: jvs-genhash COMMAND [OPTIONS]
            Commands:
               -s server-address -p port -u url
               -S -s server-address -p port -u url
               -h

            Options:
            Either long or short options are allowed.
               --use-ssl         -S       Use SSL connection to remote server.
               --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
               --server          -s       Use the specified remote server address.
               --port            -p       Use the specified remote server port.
               --url             -u       Use the specified remote server url.
               --use-virtualhost -V       Use the specified virtualhost in GET query.
               --verbose         -v       Use verbose mode output.
               --help            -h       Display this short inlined help screen.
               --fwmark          -m       Use the specified FW mark (accepted, not applied by JVS).
               --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                            1.0c means 1.0 with 'Connection: close'
               --timeout         -t       Timeout in seconds
            """;

    private Genhash() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        String server = null;
        String url = null;
        String vhost = null;
        String protocol = "1.0";
        int port = -1;
        int timeoutSeconds = 5;
        boolean tls = false;
        boolean sni = false;
        boolean verbose = false;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "-S", "--use-ssl" -> tls = true;
                    case "-I", "--use-sni" -> sni = true;
                    case "-v", "--verbose" -> verbose = true;
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "-s", "--server" -> server = args.get(++i);
                    case "-p", "--port" -> port = Integer.parseInt(args.get(++i));
                    case "-u", "--url" -> url = args.get(++i);
                    case "-V", "--use-virtualhost" -> vhost = args.get(++i);
                    case "-P", "--protocol" -> protocol = args.get(++i);
                    case "-t", "--timeout" -> timeoutSeconds = Integer.parseInt(args.get(++i));
                    case "-m", "--fwmark" -> i++;
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
        } catch (RuntimeException e) {
            err.print(USAGE);
            return 1;
        }
        if (server == null || url == null || port < 0 || !List.of("1.0", "1.0c", "1.0C", "1.1").contains(protocol)) {
            err.print(USAGE);
            return 1;
        }
        InetSocketAddress target = new InetSocketAddress(server, port);
        String host = vhost != null ? vhost : Probes.describe(target);
        boolean close = !protocol.equals("1.0");
        String request = "GET " + url + " HTTP/" + (protocol.equals("1.1") ? "1.1" : "1.0") + "\r\n"
                + "User-Agent: KeepAliveClient\r\n" + (close ? "Connection: close\r\n" : "") + "Host: " + host + "\r\n\r\n";
        long started = System.nanoTime();
        byte[] raw;
        try (Socket socket = open(target, tls, sni ? vhost : null, timeoutSeconds * 1000)) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            raw = readAll(socket.getInputStream());
        } catch (IOException | GeneralSecurityException e) {
            out.println("Connection failed");
            return 1;
        }
        HttpCheck.Response response = HttpCheck.Response.parse(raw, true);
        if (response == null || response.status() < 0) {
            out.println("Incomplete HTTP response");
            return 1;
        }
        String md5 = response.md5();
        if (verbose) {
            int headerEnd = raw.length - response.body().length;
            byte[] header = java.util.Arrays.copyOf(raw, headerEnd);
            section(out, "HTTP Header Buffer");
            dump(out, header);
            section(out, "HTTP Header Ascii Buffer");
            out.println(new String(header, StandardCharsets.ISO_8859_1));
            section(out, "HTML Buffer");
            dump(out, response.body());
            out.println();
            section(out, "HTML hash resulting");
            dump(out, java.util.HexFormat.of().parseHex(md5));
            section(out, "HTML hash final resulting");
            out.println(md5);
            out.println();
            out.println("Global response time for [" + url + "] = " + (System.nanoTime() - started) / 1000 + " usecs");
        } else {
            out.println(md5);
        }
        return 0;
    }

    private static Socket open(InetSocketAddress target, boolean tls, String sniName, int timeoutMillis)
            throws IOException, GeneralSecurityException {
        Socket plain = new Socket();
        plain.connect(target, timeoutMillis);
        plain.setSoTimeout(timeoutMillis);
        if (!tls) return plain;
        // Like keepalived, certificates are not verified: this computes a digest, it does not vouch for the server.
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }

            public void checkServerTrusted(X509Certificate[] chain, String authType) { }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, target.getHostString(), target.getPort(), true);
        if (sniName != null) {
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sniName)));
            ssl.setSSLParameters(parameters);
        }
        ssl.startHandshake();
        return ssl;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) > 0 && out.size() < HttpCheck.MAX_RESPONSE_BYTES) out.write(buffer, 0, n);
        return out.toByteArray();
    }

    /** genhash's section titles, padded as it pads them. */
    private static final java.util.Map<String, String> TITLES = java.util.Map.of(
            "HTTP Header Buffer", "    HTTP Header Buffer    ",
            "HTTP Header Ascii Buffer", " HTTP Header Ascii Buffer ",
            "HTML Buffer", "        HTML Buffer        ",
            "HTML hash resulting", "    HTML hash resulting    ",
            "HTML hash final resulting", " HTML hash final resulting ");

    private static void section(PrintStream out, String title) {
        out.println("-----------------------[" + TITLES.get(title) + "]-----------------------");
    }

    /** genhash's dump: offset, 16 hex bytes split 8 - 8, then the printable characters. */
    static void dump(PrintStream out, byte[] data) {
        for (int offset = 0; offset < data.length; offset += 16) {
            StringBuilder line = new StringBuilder(String.format("%04d  ", offset));
            StringBuilder ascii = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                if (i == 8 && offset + i < data.length) line.append("- ");
                else if (i == 8) line.append("  ");
                if (offset + i < data.length) {
                    int b = data[offset + i] & 0xff;
                    line.append(String.format("%02x ", b));
                    ascii.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
                } else {
                    line.append("   ");
                    ascii.append(' ');
                }
            }
            out.println(line + "  " + ascii);
        }
    }
}
