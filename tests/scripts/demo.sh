#!/usr/bin/env bash
# The local main job on embedded defaults: parse every bundled sample log
# (Pexip Infinity support/audit/web, ALB, Classic ELB, CloudFront, Amplify, S3,
# VPC flow, CloudTrail, Lambda, app events) into typed NDJSON under ./lake/parsed
# and print what came out. Usage: demo.sh PATH/TO/logwrangler [FILE...]
set -euo pipefail
bin=${1:?usage: demo.sh PATH/TO/logwrangler [FILE...]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${LAKE_DIR:-$root/lake}/parsed
mkdir -p "$out"

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  files=("$root"/tests/fixtures/pexip/*.log "$root"/tests/fixtures/aws/* "$root"/tests/peers/otel/*.log)
fi

echo "logwrangler demo: parsing ${#files[@]} sample files into $out"
total=0
unparsed=0
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  name=$(basename "$file")
  "$bin" parse --received-at 2026-11-24T00:00:00Z "$file" > "$out/${name%.*}.ndjson"
  n=$(wc -l < "$out/${name%.*}.ndjson")
  u=$(grep -c '"log_type":"unparsed"' "$out/${name%.*}.ndjson" || true)
  total=$((total + n))
  unparsed=$((unparsed + u))
  printf '  %-36s %5d records  %3d unparsed\n' "$name" "$n" "$u"
done
echo
echo "records per log_type and severity:"
"$bin" parse --received-at 2026-11-24T00:00:00Z --summary "${files[@]}" 2>&1 > /dev/null | sed 's/^/  /'
echo
echo "total: $total records, $unparsed unparsed; NDJSON left in $out for you to query (e.g. with jq or duckdb)"
