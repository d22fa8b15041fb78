#!/usr/bin/env bash
# Prints VERSION=<x.y.z> from FyneApp.toml, for the release workflow's
# $GITHUB_ENV. On a tag build (GITHUB_REF_TYPE=tag) the tag must be
# v<that version>: the files of a release say the version they are.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=$(awk -F' *= *' '$1 == "Version" { gsub(/"/, "", $2); print $2; exit }' FyneApp.toml)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "release-version: bad Version in FyneApp.toml: $version" >&2; exit 1; }
if [ "${GITHUB_REF_TYPE:-}" = tag ] && [ "${GITHUB_REF_NAME:-}" != "v$version" ]; then
	echo "release-version: tag ${GITHUB_REF_NAME:-} does not match FyneApp.toml's Version $version" >&2
	exit 1
fi
echo "VERSION=$version"
