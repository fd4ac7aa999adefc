#!/bin/sh
# Runs once, when the dev container is created: shows that flowctl works by
# building and testing the workspace's example catalog (flowctl's own
# repository: the greenhouse fixture; a project of `flowctl init`: flow.yaml).
set -eu
catalog=flow.yaml
if [ -f fixtures/greenhouse/flow.yaml ] && [ -d server/cli ]; then
  catalog=fixtures/greenhouse/flow.yaml
fi
flowctl --version
if [ ! -f "$catalog" ]; then
  echo "no $catalog here: run \`flowctl init\` to start a project"
  exit 0
fi
flowctl build --source "$catalog" --output /tmp/flowctl-build
flowctl test --source "$catalog"
