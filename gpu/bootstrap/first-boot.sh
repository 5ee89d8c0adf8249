# First boot of the GPU instance (appended to the user data after /etc/mltrain.env and the files
# below are written). Installs Node and the CloudWatch agent, then hands over to the
# mltrain-jobs service, which runs at this and every later boot. Targets the Amazon Linux 2023
# Deep Learning AMIs (dnf); the instance has outbound HTTPS only.
set -uo pipefail
set -a; . /etc/mltrain.env; set +a
mkdir -p /var/log/mltrain
exec >>/var/log/mltrain/first-boot.log 2>&1

install_node() {
  command -v node >/dev/null 2>&1 && return 0
  local arch base file
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "unsupported CPU $(uname -m)"; return 1 ;; esac
  base="https://nodejs.org/dist/latest-v${MLTRAIN_NODE_MAJOR}.x"
  curl -fsSL --retry 5 "$base/SHASUMS256.txt" -o /tmp/node-SHASUMS256.txt || return 1
  file=$(awk -v a="linux-${arch}.tar.gz" '$2 ~ a"$" {print $2; exit}' /tmp/node-SHASUMS256.txt)
  [ -n "$file" ] || { echo "no linux-${arch} Node tarball in $base"; return 1; }
  curl -fsSL --retry 5 "$base/$file" -o "/tmp/$file" || return 1
  (cd /tmp && grep " $file\$" node-SHASUMS256.txt | sha256sum -c -) || return 1
  tar -xzf "/tmp/$file" -C /usr/local --strip-components=1 || return 1
}

install_log_shipping() {
  # The agent tails the trainer's JSON-lines log into the stack's log group, one stream per instance.
  rpm -q amazon-cloudwatch-agent >/dev/null 2>&1 || dnf install -y -q amazon-cloudwatch-agent || return 1
  cat > /opt/mltrain/cloudwatch-agent.json <<JSON
{"agent": {"run_as_user": "root"},
 "logs": {"force_flush_interval": 5, "logs_collected": {"files": {"collect_list": [
   {"file_path": "/var/log/mltrain/*.log", "log_group_name": "${MLTRAIN_LOG_GROUP}", "log_stream_name": "{instance_id}", "timezone": "UTC"}]}}}}
JSON
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/mltrain/cloudwatch-agent.json
}

install_cuda11_runtime() {
  # The CUDA 11 runtime, cuBLAS, cuFFT, cuRAND, cuSOLVER, cuSPARSE and cuDNN 8 that libtensorflow 2.9
  # (tfjs-node-gpu 4.x) loads, from NVIDIA's pip wheels; the AMI's driver runs CUDA 11 code.
  [ "${MLTRAIN_CUDA11_WHEELS:-1}" = "1" ] || return 0
  python3 -m pip install --quiet --target /opt/mltrain/cuda11 nvidia-cuda-runtime-cu11 nvidia-cublas-cu11 \
    nvidia-cufft-cu11 nvidia-curand-cu11 nvidia-cusolver-cu11 nvidia-cusparse-cu11 'nvidia-cudnn-cu11<9'
}

command -v aws >/dev/null 2>&1 || dnf install -y -q awscli-2
command -v unzip >/dev/null 2>&1 || dnf install -y -q unzip
install_node || echo "Node could not be installed; the job runner will fail and the instance stop"
install_log_shipping || echo "CloudWatch agent not set up; the runner still copies its log to the bucket"
install_cuda11_runtime || echo "CUDA 11 libraries not installed; TensorFlow will train on the CPU"
chmod 0755 /opt/mltrain/run-jobs.sh
systemctl daemon-reload
systemctl enable mltrain-jobs.service
systemctl start --no-block mltrain-jobs.service
