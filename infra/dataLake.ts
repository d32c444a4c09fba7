// Data lake: the S3 bucket the S3 sink writes the topics to and the Databricks mount reads.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { secureBucket } from "./secureBucket";

export interface DataLakeArgs {
  bucketName: pulumi.Input<string>;
  forceDestroy: boolean;
}

export class DataLake extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:DataLake", name, {}, opts);
    const data = secureBucket(`${name}-bucket`, args.bucketName, args.forceDestroy, this);
    this.bucket = data.bucket;
    this.ready = data.ready;
    this.registerOutputs({ bucketName: this.bucket.bucket, bucketArn: this.bucket.arn });
  }
}
