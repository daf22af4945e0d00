// The local broker's own view of where a request's time goes, over a window: per request type, the requests served and
// the mean ms in each stage (queue for a handler thread, local work, purgatory/remote wait, queue for the network thread,
// send), from Kafka's RequestMetrics over JMX (deltas of count x mean, so exact for the window), plus the reservoir p99
// of the total, the handler and network threads' idle share, and the JVM's GC time in the window.
//   java bench/broker/RequestTimes.java <jmx port> <seconds>     (broker started with KAFKA_JMX_PORT; deploy/local/kafka.sh)
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public class RequestTimes {
  static final String[] STAGES = {"TotalTimeMs", "RequestQueueTimeMs", "LocalTimeMs", "RemoteTimeMs", "ResponseQueueTimeMs", "ResponseSendTimeMs"};
  static final String[] REQUESTS = {"Produce", "FetchConsumer", "FetchFollower", "EndTxn", "AddPartitionsToTxn", "AddOffsetsToTxn",
      "TxnOffsetCommit", "AddPartitionsToTxnVerification", "WriteTxnMarkers", "OffsetCommit", "Heartbeat", "Metadata", "InitProducerId"};

  /** request -> stage -> {count, sum ms}. */
  static Map<String, Map<String, double[]>> snapshot(MBeanServerConnection c) throws Exception {
    Map<String, Map<String, double[]>> out = new TreeMap<>();
    for (String r : REQUESTS) {
      for (String s : STAGES) {
        ObjectName n = new ObjectName("kafka.network:type=RequestMetrics,name=" + s + ",request=" + r);
        if (!c.isRegistered(n)) continue;
        double count = ((Number) c.getAttribute(n, "Count")).doubleValue();
        double mean = ((Number) c.getAttribute(n, "Mean")).doubleValue();
        out.computeIfAbsent(r, k -> new TreeMap<>()).put(s, new double[] {count, count * mean});
      }
    }
    return out;
  }

  /** Stop-the-world GC ms so far: every collector's time, except ZGC's "Cycles" beans (concurrent work, not pauses). */
  static double gcMillis(MBeanServerConnection c) throws Exception {
    double total = 0;
    for (ObjectName n : c.queryNames(new ObjectName("java.lang:type=GarbageCollector,*"), null))
      if (!n.getKeyProperty("name").endsWith("Cycles")) total += ((Number) c.getAttribute(n, "CollectionTime")).doubleValue();
    return total;
  }

  /** {count, sum ms, p99} of the broker's AddPartitionsToTxnManager verification time, or null when it has none. */
  static double[] verification(MBeanServerConnection c) throws Exception {
    ObjectName n = new ObjectName("kafka.server:type=AddPartitionsToTxnManager,name=VerificationTimeMs");
    if (!c.isRegistered(n)) return null;
    double count = ((Number) c.getAttribute(n, "Count")).doubleValue();
    return new double[] {count, count * ((Number) c.getAttribute(n, "Mean")).doubleValue(), ((Number) c.getAttribute(n, "99thPercentile")).doubleValue()};
  }

  static double value(MBeanServerConnection c, String name, String attribute) throws Exception {
    return ((Number) c.getAttribute(new ObjectName(name), attribute)).doubleValue();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) throw new IllegalArgumentException("usage: RequestTimes <jmx port> <seconds>");
    var url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + args[0] + "/jmxrmi");
    try (var connector = JMXConnectorFactory.connect(url)) {
      MBeanServerConnection c = connector.getMBeanServerConnection();
      var a = snapshot(c);
      double gc0 = gcMillis(c);
      double[] v0 = verification(c);
      double cpu0 = value(c, "java.lang:type=OperatingSystem", "ProcessCpuTime");
      long started = System.nanoTime();
      Thread.sleep(Long.parseLong(args[1]) * 1000);
      var b = snapshot(c);
      double seconds = (System.nanoTime() - started) / 1e9;
      double gc1 = gcMillis(c);
      double[] v1 = verification(c);
      double cpuMs = (value(c, "java.lang:type=OperatingSystem", "ProcessCpuTime") - cpu0) / 1e6;
      double requests = 0;
      for (var e : b.entrySet()) requests += e.getValue().get("TotalTimeMs")[0] - a.getOrDefault(e.getKey(), Map.of()).getOrDefault("TotalTimeMs", new double[] {0, 0})[0];
      System.out.printf("broker CPU %.0f ms/s of wall (%.0f%% of one core), %.0f µs per request served (%.0f requests/s)%n",
          cpuMs / seconds, cpuMs / seconds / 10, 1000 * cpuMs / Math.max(1, requests), requests / seconds);
      System.out.printf("window %.1f s; GC pauses %.0f ms (%.2f%% of wall); broker threads %d; handler idle %.0f%% (pool avg); network idle %.0f%%%n",
          seconds, gc1 - gc0, (gc1 - gc0) / seconds / 10, (int) value(c, "java.lang:type=Threading", "ThreadCount"),
          100 * value(c, "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent", "OneMinuteRate"),
          100 * value(c, "kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent", "Value"));
      if (v1 != null && v0 != null && v1[0] > v0[0])
        System.out.printf("transaction verification (produce / offset commit -> coordinator): %.0f/s, mean %.2f ms, p99 %.2f ms (reservoir)%n",
            (v1[0] - v0[0]) / seconds, (v1[1] - v0[1]) / (v1[0] - v0[0]), v1[2]);
      System.out.println("request            /s      total  req-queue  local  remote  resp-queue  send   (mean ms)  total p99 (reservoir)");
      for (var e : b.entrySet()) {
        var before = a.getOrDefault(e.getKey(), Map.of());
        double n = e.getValue().get("TotalTimeMs")[0] - before.getOrDefault("TotalTimeMs", new double[] {0, 0})[0];
        if (n <= 0) continue;
        StringBuilder line = new StringBuilder(String.format("%-18s %7.0f", e.getKey(), n / seconds));
        for (String s : STAGES) {
          double[] x = e.getValue().get(s), y = before.getOrDefault(s, new double[] {0, 0});
          line.append(String.format(" %8.2f", x == null ? Double.NaN : (x[1] - y[1]) / Math.max(1, x[0] - y[0])));
        }
        line.append(String.format("   %8.2f", value(c, "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=" + e.getKey(), "99thPercentile")));
        System.out.println(line);
      }
    }
  }
}
