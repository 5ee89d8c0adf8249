#!/bin/bash
# Runs at every boot of the GPU instance (mltrain-jobs.service): fetches the trainer bundle the
# latest deploy uploaded, trains every run queued in the bucket, copies its log to the bucket, then
# powers the instance off (InstanceInitiatedShutdownBehavior: stop), whatever happened: no idle GPU.
# Paths and commands come from the environment so that test/gpu/bootstrap.test.ts can run it.
set -uo pipefail
set -a; [ -r "${MLTRAIN_ENV_FILE:-/etc/mltrain.env}" ] && . "${MLTRAIN_ENV_FILE:-/etc/mltrain.env}"; set +a
HOME_DIR="${MLTRAIN_HOME:-/opt/mltrain}"
LOG_DIR="${MLTRAIN_LOG_DIR:-/var/log/mltrain}"
LOG="$LOG_DIR/trainer.log"
POWER_OFF="${MLTRAIN_POWER_OFF:-shutdown -h now}"
mkdir -p "$LOG_DIR" "$HOME_DIR"

log() { printf '{"time":"%s","level":"%s","function":"bootstrap","message":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$1" "$2" >>"$LOG"; }

power_off() {
  log info "powering off"
  sleep "${MLTRAIN_LOG_FLUSH_SECONDS:-10}" # let the CloudWatch agent ship the last lines
  $POWER_OFF
}
trap power_off EXIT

# Unpacks the bundle and adds the native backend, only when a deploy changed the bundle: the
# CUDA build of TensorFlow is a large download, done once per bundle rather than at every boot.
install_bundle() {
  local sha
  sha=$(sha256sum "$HOME_DIR/trainer.zip" | cut -d' ' -f1)
  if [ -f "$HOME_DIR/app/.bundle-sha256" ] && [ "$(cat "$HOME_DIR/app/.bundle-sha256")" = "$sha" ]; then
    log info "trainer bundle unchanged; reusing $HOME_DIR/app"
    return 0
  fi
  rm -rf "$HOME_DIR/app" && mkdir -p "$HOME_DIR/app" && unzip -q -o "$HOME_DIR/trainer.zip" -d "$HOME_DIR/app" || return 1
  if [ -n "${MLTRAIN_NATIVE_PACKAGE:-}" ]; then
    # Installed beside the bundled tfjs (same version), so both share one engine; else wasm.
    (cd "$HOME_DIR/app" && npm install --no-save --no-audit --no-fund --omit=dev "$MLTRAIN_NATIVE_PACKAGE") >>"$LOG_DIR/npm.log" 2>&1 \
      || log warn "$MLTRAIN_NATIVE_PACKAGE did not install (see npm.log); training on the bundled backend"
  fi
  echo "$sha" >"$HOME_DIR/app/.bundle-sha256"
}

run() {
  local bundle
  bundle=$(aws ssm get-parameter --name "$MLTRAIN_BUNDLE_PARAMETER" --query Parameter.Value --output text) || { log error "cannot read $MLTRAIN_BUNDLE_PARAMETER"; return 1; }
  aws s3 cp --only-show-errors "$bundle" "$HOME_DIR/trainer.zip" || { log error "cannot fetch the trainer bundle $bundle"; return 1; }
  install_bundle || { log error "cannot unpack the trainer bundle"; return 1; }
  # tfjs-node-gpu 4.x links libtensorflow 2.9, built for CUDA 11.2 / cuDNN 8.1; the AMI has CUDA 12,
  # so first-boot.sh installs the CUDA 11 runtime libraries (pip wheels) for it to find.
  local cuda_libs
  cuda_libs=$(find "$HOME_DIR/cuda11" -type d -path '*/nvidia/*/lib' 2>/dev/null | paste -sd: -)
  [ -n "$cuda_libs" ] && export LD_LIBRARY_PATH="$cuda_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  log info "training the queued runs"
  local before
  before=$(wc -l <"$LOG")
  timeout --kill-after=60 "$(( ${MLTRAIN_MAX_HOURS:-8} * 3600 ))" node "$HOME_DIR/app/gpu-job.js" --queue >>"$LOG" 2>&1
  local status=$?
  # TensorFlow names the devices it creates; without a GPU line the run trained on the CPU.
  if tail -n "+$((before + 1))" "$LOG" | grep -q 'device:GPU:0'; then log info "TensorFlow used the GPU"; else log warn "no TensorFlow GPU device in the log: the runs trained on the CPU"; fi
  return "$status"
}

run
status=$?
log info "job runner ended with status $status"
aws s3 cp --only-show-errors "$LOG" "s3://$MLTRAIN_BUCKET/jobs/gpu/logs/$(date -u +%Y%m%dT%H%M%SZ)-trainer.log" || true
exit "$status"
