#!/usr/bin/env bash
# Rebuild the precision corpus: public repositories of Ansible roles, collections and playbooks,
# Dockerfiles, Compose files and workflows, one folder per repository, at the commits listed in
# repos.txt. The corpus is never committed: it goes to a directory outside the repository.
#
# Usage: bench/corpus/build.sh [DEST]        (default DEST: $FLEETPIN_CORPUS or /tmp/fleetpin-corpus)
# Snapshots are bare git directories, looked up as $FLEETPIN_MIRROR/<owner>+<name>/repo
# (default FLEETPIN_MIRROR=/work/.mirror), or cloned from $FLEETPIN_CORPUS_REMOTE/<owner>/<name>
# when that is set (e.g. a git forge URL prefix) and the snapshot is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DEST="${1:-${FLEETPIN_CORPUS:-/tmp/fleetpin-corpus}}"
MIRROR="${FLEETPIN_MIRROR:-/work/.mirror}"
REMOTE="${FLEETPIN_CORPUS_REMOTE:-}"

case "$(realpath -m "$DEST")/" in
  "$ROOT"/*) echo "error: $DEST is inside the repository ($ROOT); fleetpin honours .gitignore and the corpus must not be committed" >&2; exit 2 ;;
esac

rm -rf "$DEST"
mkdir -p "$DEST"
n=0
while read -r repo commit; do
  case "$repo" in ''|'#'*) continue ;; esac
  gitdir="$MIRROR/${repo/\//+}/repo"
  if ! git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    if [ -n "$REMOTE" ]; then
      gitdir="$DEST/.git-$n"
      git clone -q --bare --filter=blob:none "$REMOTE/$repo" "$gitdir"
    else
      echo "error: no snapshot of $repo at $commit under $MIRROR (set FLEETPIN_CORPUS_REMOTE to clone)" >&2
      exit 2
    fi
  fi
  out="$DEST/${repo/\//+}"
  mkdir -p "$out"
  git --git-dir="$gitdir" archive "$commit" | tar -x -C "$out"
  rm -rf "$DEST/.git-$n"
  n=$((n + 1))
done < "$HERE/repos.txt"
echo "corpus: $n repositories in $DEST" >&2
