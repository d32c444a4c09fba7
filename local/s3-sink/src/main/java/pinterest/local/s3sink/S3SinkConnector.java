package pinterest.local.s3sink;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Writes each topic partition's record values to an S3-compatible server as JSON-lines objects, named by
 * the same file.name.template as Aiven's S3 sink in the cloud (variables {{topic}}, {{partition}} and
 * {{start_offset}}; local mode passes the contract's object key rule).
 */
public class S3SinkConnector extends SinkConnector {
  static final String ENDPOINT = "s3.endpoint";
  static final String BUCKET = "s3.bucket";
  static final String REGION = "s3.region";
  static final String ACCESS_KEY_ID = "aws.access.key.id";
  static final String SECRET_ACCESS_KEY = "aws.secret.access.key";
  static final String FILE_NAME_TEMPLATE = "file.name.template";

  static final ConfigDef CONFIG =
      new ConfigDef()
          .define(ENDPOINT, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "S3 endpoint URL")
          .define(BUCKET, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "bucket to write to")
          .define(REGION, ConfigDef.Type.STRING, "us-east-1", ConfigDef.Importance.LOW, "signing region")
          .define(ACCESS_KEY_ID, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "access key id")
          .define(SECRET_ACCESS_KEY, ConfigDef.Type.PASSWORD, ConfigDef.Importance.HIGH, "secret key")
          .define(
              FILE_NAME_TEMPLATE,
              ConfigDef.Type.STRING,
              ConfigDef.Importance.HIGH,
              "object key of a buffer: {{topic}}, {{partition}} and {{start_offset}} are replaced");

  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    CONFIG.parse(props);
    this.props = props;
  }

  @Override
  public Class<? extends Task> taskClass() {
    return S3SinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return Collections.nCopies(maxTasks, props);
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return CONFIG;
  }

  @Override
  public String version() {
    return "1";
  }
}
