// The user data of the parameter server's instance (Amazon Linux 2023): install Node 22 and the
// CloudWatch agent, and run the server bundle from the bucket as a systemd service.
//
// The bundle is content-addressed (.../parameter-server/<sha>/ in the deployment bucket) and
// named in the user data with the SHA-256 of each file. New server code changes the user data, so
// CloudFormation stops and starts the instance; the user data itself runs only at first boot, but
// the service's fetch step runs at every start and reads the *current* user data from the
// instance metadata, so it fetches the new bundle. `sls deploy` uploads the bundle before the
// stack update; the fetch step still retries for a few minutes (bounded) and checks every file's
// digest before the server starts.

export interface BootstrapInput {
  port: number;
  /** Key prefix of the bundle in the deployment bucket, ending with '/'. */
  bundlePrefix: string;
  /** File name → SHA-256 (hex) of each file of the bundle. */
  files: Record<string, string>;
}

/** Placeholders CloudFormation's Fn::Sub fills in; the script uses no other `${...}`. */
export const BOOTSTRAP_PLACEHOLDERS = ['ServerlessDeploymentBucket', 'LogGroup'] as const;

export function bootstrapScript(input: BootstrapInput): string {
  const fileLines = Object.entries(input.files).map(([name, sha]) => `# mltrain-ps-file: ${name} ${sha}`).join('\n');
  return `#!/bin/bash
# mltrain hybrid parameter server (gRPC on port ${input.port})
# mltrain-ps-bundle: s3://\${ServerlessDeploymentBucket}/${input.bundlePrefix}
${fileLines}
set -euo pipefail
dnf install -y nodejs22 amazon-cloudwatch-agent logrotate
id mltrain-ps >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin mltrain-ps
install -d -o mltrain-ps -g mltrain-ps -m 0755 /opt/mltrain-ps /var/log/mltrain-ps

cat > /usr/local/bin/mltrain-ps-fetch <<'FETCH'
#!/bin/bash
# Fetches the server bundle the instance's current user data names and checks each file's SHA-256.
set -euo pipefail
imds=http://169.254.169.254/latest
token=$(curl -sf -X PUT "$imds/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
userdata=$(curl -sf -H "X-aws-ec2-metadata-token: $token" "$imds/user-data")
bundle=$(printf '%s\\n' "$userdata" | sed -n 's/^# mltrain-ps-bundle: //p')
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
for attempt in $(seq 1 20); do
  ok=1
  while read -r name sha; do
    aws s3 cp --only-show-errors "$bundle$name" "$staging/$name" 2>/dev/null || { ok=0; break; }
    echo "$sha  $staging/$name" | sha256sum --check --status || { ok=0; break; }
  done < <(printf '%s\\n' "$userdata" | sed -n 's/^# mltrain-ps-file: //p')
  if [ "$ok" = 1 ]; then
    install -o mltrain-ps -g mltrain-ps -m 0644 "$staging"/* /opt/mltrain-ps/
    exit 0
  fi
  echo "bundle $bundle not fetched (or a digest differs); attempt $attempt of 20" >&2
  sleep 15
done
echo "gave up waiting for the bundle $bundle" >&2
exit 1
FETCH
chmod 0755 /usr/local/bin/mltrain-ps-fetch

cat > /etc/systemd/system/mltrain-ps.service <<'UNIT'
[Unit]
Description=mltrain hybrid parameter server (gRPC)
After=network-online.target
Wants=network-online.target

[Service]
User=mltrain-ps
ExecStartPre=+/usr/local/bin/mltrain-ps-fetch
ExecStart=/usr/bin/node-22 /opt/mltrain-ps/parameter-server.js --host 0.0.0.0 --port ${input.port} --log-file /var/log/mltrain-ps/server.jsonl
Restart=always
RestartSec=5
TimeoutStartSec=10min
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT

cat > /etc/logrotate.d/mltrain-ps <<'ROTATE'
/var/log/mltrain-ps/server.jsonl {
  daily
  rotate 7
  compress
  missingok
  notifempty
}
ROTATE

cat > /opt/aws/amazon-cloudwatch-agent/etc/mltrain-ps.json <<'AGENT'
{"logs": {"logs_collected": {"files": {"collect_list": [
  {"file_path": "/var/log/mltrain-ps/server.jsonl", "log_group_name": "\${LogGroup}", "log_stream_name": "{instance_id}"}
]}}}}
AGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/mltrain-ps.json

systemctl daemon-reload
systemctl enable mltrain-ps.service
# Without --no-block, boot would wait here until the bundle is uploaded.
systemctl start --no-block mltrain-ps.service
`;
}
