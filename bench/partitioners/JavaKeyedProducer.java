// The Java client's own partition choice for keyed records: reads keys (one per line, UTF-8) from stdin and produces
// each to <topic> with the client's default partitioner (no partition set), value "java". Prints nothing; the
// agreement run (agreement.ts) reads the topic back to see where each key landed.
//   java -cp '<kafka libs>/*' bench/partitioners/JavaKeyedProducer.java <bootstrap> <topic> < keys.txt
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class JavaKeyedProducer {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", ByteArraySerializer.class.getName());
    props.put("acks", "all");
    byte[] value = "java".getBytes(StandardCharsets.UTF_8);
    int sent = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
         BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        producer.send(new ProducerRecord<>(args[1], line.getBytes(StandardCharsets.UTF_8), value));
        sent++;
      }
      producer.flush();
    }
    System.err.println("sent " + sent);
  }
}
