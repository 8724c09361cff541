#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LogwranglerStack } from '../lib/logwrangler-stack';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Logwrangler';
new LogwranglerStack(app, stackName, {
  description: 'logwrangler: Pexip and AWS logs to a typed S3 lake, DynamoDB summaries and SNS alerts',
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
});
// cdk-nag runs on every synth; `-c nag=false` turns it off.
if (app.node.tryGetContext('nag') !== 'false' && app.node.tryGetContext('nag') !== false) {
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
}
