import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** The collector host's IAM role: what the CloudWatch agent on it may do, and nothing more. */
export interface CollectorHostRoleProps {
  /**
   * The log groups the agent writes into (`collector/amazon-cloudwatch-agent.json`): the Pexip
   * support (with the administrator log), audit and web groups of the source mapping.
   */
  readonly logGroupNames: string[];
  /** Who assumes the role: EC2 by default (an instance profile); SSM for on-premises hosts. */
  readonly assumedBy?: iam.IPrincipal;
}

/**
 * The IAM role of the syslog collector host (README "Collector host"). The CloudWatch agent
 * needs only to find its streams, create them and put events into them, in the Pexip log
 * groups: `logs:DescribeLogStreams`, `logs:CreateLogStream` and `logs:PutLogEvents` on exactly
 * those groups. It does not create groups (the stack does, with their retention), so a
 * compromised collector cannot write into any other group, read logs back or change retention.
 */
export class CollectorHostRole extends Construct {
  /** The role (attach it to the host, or use `instanceProfile`). */
  public readonly role: iam.Role;
  /** An instance profile for an EC2 collector. */
  public readonly instanceProfile: iam.InstanceProfile;

  constructor(scope: Construct, id: string, props: CollectorHostRoleProps) {
    super(scope, id);
    if (props.logGroupNames.length === 0) {
      throw new Error('CollectorHostRole: no log groups: give the Pexip groups the agent writes into');
    }
    const stack = Stack.of(this);
    const groupArn = (name: string, streams: boolean) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: streams ? `${name}:log-stream:*` : `${name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: props.assumedBy ?? new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'logwrangler collector host: the CloudWatch agent puts Pexip syslog into its log groups',
      inlinePolicies: {
        PutPexipLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'FindAndCreateStreams',
              actions: ['logs:DescribeLogStreams', 'logs:CreateLogStream'],
              resources: props.logGroupNames.map((n) => groupArn(n, false)),
            }),
            new iam.PolicyStatement({
              sid: 'PutEvents',
              actions: ['logs:PutLogEvents'],
              resources: props.logGroupNames.map((n) => groupArn(n, true)),
            }),
          ],
        }),
      },
    });
    NagSuppressions.addResourceSuppressions(this.role, [
      {
        id: 'AwsSolutions-IAM5',
        reason: "A log group ARN ends in ':*' (its log streams, named by the agent per host); scoped to the given Pexip groups.",
      },
    ]);
    this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.role });
    new CfnOutput(this, 'CollectorInstanceProfile', {
      value: this.instanceProfile.instanceProfileName,
      description: 'Instance profile of the syslog collector host (collector/ in the repository)',
    });
  }
}
