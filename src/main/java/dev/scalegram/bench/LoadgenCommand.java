package dev.scalegram.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scalegram loadgen}: load generation from the command line. {@code loadgen http URL} sends GETs at a fixed
 * rate (open loop, latency from the intended start, so stalls are not hidden) and prints percentiles. Generating a
 * dataset ({@code loadgen seed}) comes later.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true,
        description = "Load generation: open-loop HTTP load with coordinated-omission-corrected percentiles. "
                + "(Dataset generation, loadgen seed, is planned.)",
        subcommands = {LoadgenCommand.Http.class})
public final class LoadgenCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "http", mixinStandardHelpOptions = true,
            description = {"GET a URL at a fixed rate on virtual threads, warm up, then measure; prints a progress "
                    + "line every second and p50/p90/p99/p99.9 at the end.",
                    "Latency counts from when each request was scheduled to start, so a server stall is charged to "
                            + "every request it delayed (coordinated-omission correction)."})
    static final class Http implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "URL", description = "e.g. http://localhost:8080/api/v1/timelines/public")
        URI url;

        @Option(names = "--rate", defaultValue = "100", description = "requests per second (default: ${DEFAULT-VALUE})")
        double rate;

        @Option(names = "--duration", defaultValue = "30", description = "seconds measured (default: ${DEFAULT-VALUE})")
        double seconds;

        @Option(names = "--warmup", defaultValue = "5", description = "seconds of warm-up, not measured (default: "
                + "${DEFAULT-VALUE})")
        double warmup;

        @Option(names = "--max-in-flight", defaultValue = "10000",
                description = "requests in flight at most; beyond that the schedule waits and the wait counts as "
                        + "latency (default: ${DEFAULT-VALUE})")
        int maxInFlight;

        @Option(names = {"-H", "--header"}, paramLabel = "NAME: VALUE", description = "a request header (repeatable)")
        List<String> headers = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET();
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon < 1) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "not a header: " + h);
                }
                b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
            HttpRequest request = b.build();
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build()) {
                LoadGenerator.Result r = LoadGenerator.of("GET " + url.getPath(), Duration.ofMillis(Math.round(warmup
                                * 1000)), Duration.ofMillis(Math.round(seconds * 1000)))
                        .progressTo(System.err)
                        .openLoop(rate, maxInFlight, () -> {
                            int code = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                            if (code >= 400) {
                                throw new IllegalStateException("HTTP " + code);
                            }
                        });
                System.out.println(r.line());
                if (r.firstError() != null) {
                    System.out.println("first error: " + r.firstError());
                }
                return r.errors() == 0 ? 0 : 1;
            }
        }
    }
}
