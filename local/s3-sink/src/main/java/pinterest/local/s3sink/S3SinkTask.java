package pinterest.local.s3sink;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Buffers record values per topic partition and, when Connect commits offsets, writes each buffer as one
 * object. Offsets are committed only for what was written, so a failed PUT is retried, never lost.
 */
public class S3SinkTask extends SinkTask {
  /** The records of one partition not yet written: their values, one per line, and the first offset. */
  private static final class Buffer {
    final long startOffset;
    long nextOffset;
    final ByteArrayOutputStream lines = new ByteArrayOutputStream();

    Buffer(long startOffset) {
      this.startOffset = startOffset;
      this.nextOffset = startOffset;
    }
  }

  private final Map<TopicPartition, Buffer> buffers = new HashMap<>();
  private S3Client s3;
  private String bucket;
  private String fileNameTemplate;

  @Override
  public void start(Map<String, String> props) {
    AbstractConfig config = new AbstractConfig(S3SinkConnector.CONFIG, props);
    bucket = config.getString(S3SinkConnector.BUCKET);
    fileNameTemplate = config.getString(S3SinkConnector.FILE_NAME_TEMPLATE);
    s3 =
        S3Client.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .endpointOverride(URI.create(config.getString(S3SinkConnector.ENDPOINT)))
            .region(Region.of(config.getString(S3SinkConnector.REGION)))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(
                        config.getString(S3SinkConnector.ACCESS_KEY_ID),
                        config.getPassword(S3SinkConnector.SECRET_ACCESS_KEY).value())))
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .build();
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    for (SinkRecord record : records) {
      TopicPartition partition = new TopicPartition(record.topic(), record.kafkaPartition());
      Buffer buffer = buffers.computeIfAbsent(partition, p -> new Buffer(record.kafkaOffset()));
      // StringConverter hands over the value as produced; it is written unchanged, one line per record.
      byte[] value = String.valueOf(record.value()).getBytes(StandardCharsets.UTF_8);
      buffer.lines.write(value, 0, value.length);
      buffer.lines.write('\n');
      buffer.nextOffset = record.kafkaOffset() + 1;
    }
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    Map<TopicPartition, OffsetAndMetadata> written = new HashMap<>();
    for (Map.Entry<TopicPartition, Buffer> entry : buffers.entrySet()) {
      TopicPartition partition = entry.getKey();
      Buffer buffer = entry.getValue();
      String key =
          fileNameTemplate
              .replace("{{topic}}", partition.topic())
              .replace("{{partition}}", Integer.toString(partition.partition()))
              .replace("{{start_offset}}", Long.toString(buffer.startOffset));
      try {
        s3.putObject(
            PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json").build(),
            RequestBody.fromBytes(buffer.lines.toByteArray()));
      } catch (RuntimeException e) {
        // Connect rewinds every partition to its last committed offset and delivers the records again.
        buffers.clear();
        throw new RetriableException("writing s3://" + bucket + "/" + key + " failed: " + e, e);
      }
      written.put(partition, new OffsetAndMetadata(buffer.nextOffset));
    }
    buffers.clear();
    return written;
  }

  @Override
  public void open(Collection<TopicPartition> partitions) {
    partitions.forEach(buffers::remove);
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    // Unwritten records of a partition taken away are read again from its committed offset.
    partitions.forEach(buffers::remove);
  }

  @Override
  public void stop() {
    if (s3 != null) s3.close();
  }

  @Override
  public String version() {
    return "1";
  }
}
