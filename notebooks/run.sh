#!/usr/bin/env bash
# notebooks/run.sh: install Jupyter and the GoNB kernel, then execute every
# notebook of this directory headless and export it to HTML.
#
#   notebooks/run.sh                 # everything
#   notebooks/run.sh rnn.ipynb       # only the named notebooks
#   UNROLL_NB_OUT=/some/dir notebooks/run.sh
#
# Needs Go and, to install Jupyter and graphviz, Debian's apt-get as root (or
# sudo without a password). Every step is skipped when already done, nothing
# asks a question, and each step prints how long it took. Executed notebooks
# and their HTML go to $UNROLL_NB_OUT (default: $TMPDIR/unroll-notebooks),
# never into the repository. GoNB is built into
# ${XDG_CACHE_HOME:-$HOME/.cache}/unroll-gonb.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
exec </dev/null

nbdir="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$nbdir/.." && pwd)"
out="${UNROLL_NB_OUT:-${TMPDIR:-/tmp}/unroll-notebooks}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/unroll-gonb"
# GoNB and the goimports it calls, pinned: the versions measured to build
# with Go 1.26 (see ../shared/notes/gorgonia.md).
gonb_version=v0.10.11
tools_version=v0.52.0

say() { printf 'notebooks/run.sh: %s\n' "$*"; }
die() { printf 'notebooks/run.sh: %s\n' "$*" >&2; exit 1; }
t_all=$SECONDS
t_step=$SECONDS
step() { t_step=$SECONDS; say "$*"; }
done_step() { say "  done in $((SECONDS - t_step)) s"; }

command -v go >/dev/null || die "Go is not installed: install Go 1.26 or newer"

# 1. Jupyter (notebook, nbconvert, the Python kernel machinery) and graphviz
#    (graph.Render draws the unrolled graph with dot), from Debian.
step "1/4 Jupyter and graphviz"
need=()
command -v jupyter >/dev/null || need+=(jupyter-notebook jupyter-client python3-ipykernel)
jupyter nbconvert --version >/dev/null 2>&1 || need+=(jupyter-nbconvert python3-nbconvert)
command -v dot >/dev/null || need+=(graphviz)
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${need[*]} and no apt-get: install Jupyter (notebook, nbconvert) and graphviz by hand"
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || die "missing ${need[*]}: run as root or with password-less sudo, or: sudo apt-get install ${need[*]}"
    sudo=(sudo -n)
  fi
  say "  apt-get install ${need[*]}"
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    jupyter-notebook jupyter-nbconvert python3-nbconvert python3-ipykernel jupyter-client graphviz >/dev/null
else
  say "  already installed: $(jupyter nbconvert --version 2>/dev/null | head -1) nbconvert, $(dot -V 2>&1 | head -1)"
fi
done_step

# 2. GoNB and goimports, built from a scratch module in the cache.
step "2/4 GoNB $gonb_version (golang.org/x/tools $tools_version) in $cache"
stamp="gonb $gonb_version tools $tools_version $(go env GOVERSION)"
if [ -x "$cache/bin/gonb" ] && [ -x "$cache/bin/goimports" ] && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; then
  say "  already built"
else
  mkdir -p "$cache/src" "$cache/bin"
  (
    cd "$cache/src"
    [ -f go.mod ] || go mod init unroll-gonb-build
    go get "github.com/janpfeifer/gonb@$gonb_version" "golang.org/x/tools@$tools_version" "golang.org/x/tools/cmd/goimports@$tools_version"
    go build -o "$cache/bin/gonb" github.com/janpfeifer/gonb
    go build -o "$cache/bin/goimports" golang.org/x/tools/cmd/goimports
  ) >"$cache/build.log" 2>&1 || { cat "$cache/build.log" >&2; die "building GoNB failed (log above, also in $cache/build.log)"; }
  echo "$stamp" >"$cache/stamp"
fi
export PATH="$cache/bin:$PATH"
done_step

# 3. The kernel spec. GoNB looks goimports up on PATH each time it runs a
#    cell, so the kernel starts through a wrapper that puts the cache's bin
#    first: Jupyter started from any shell then finds it too.
step "3/4 GoNB kernel"
wrapper="$cache/bin/gonb-kernel"
if [ ! -x "$wrapper" ] || ! grep -qF "$cache/bin" "$wrapper"; then
  printf '#!/bin/sh\n# Starts GoNB with the goimports built beside it on PATH.\nPATH="%s:$PATH" exec "%s" "$@"\n' "$cache/bin" "$cache/bin/gonb" >"$wrapper"
  chmod +x "$wrapper"
fi
spec="$(jupyter kernelspec list 2>/dev/null | awk '$1 == "gonb" {print $2}')"
if [ -n "$spec" ] && grep -qF "\"$wrapper\"" "$spec/kernel.json" 2>/dev/null; then
  say "  already installed in $spec"
else
  gonb --install --force_deps 2>&1 | grep -v 'goimports and/or gopls\|^$\|standard Go toolkit\|go install golang.org' || true
  spec="$(jupyter kernelspec list 2>/dev/null | awk '$1 == "gonb" {print $2}')"
  [ -n "$spec" ] || die "gonb --install did not register a kernel"
  python3 - "$spec/kernel.json" "$wrapper" <<'PY'
import json, sys
path, wrapper = sys.argv[1], sys.argv[2]
with open(path) as f:
    k = json.load(f)
k["argv"][0] = wrapper
with open(path, "w") as f:
    json.dump(k, f)
PY
  say "  installed in $spec: $(cat "$spec/kernel.json")"
fi
done_step

# 4. Execute every notebook headless, export the result to HTML, and check
#    that its text quotes only figures its outputs contain.
# Notebooks read The Time Machine from UNROLL_TIMEMACHINE; CI's copy sits
# beside the clone.
book="$root/../shared/data/timemachine.txt"
if [ -z "${UNROLL_TIMEMACHINE:-}" ] && [ -f "$book" ]; then
  export UNROLL_TIMEMACHINE="$(cd "$(dirname "$book")" && pwd)/$(basename "$book")"
fi
mkdir -p "$out"
if [ $# -gt 0 ]; then nbs=("$@"); else nbs=("$nbdir"/*.ipynb); fi
for nb in "${nbs[@]}"; do
  [ -f "$nb" ] || nb="$nbdir/$nb"
  [ -f "$nb" ] || die "no notebook $nb"
  name="$(basename "$nb" .ipynb)"
  step "4/4 execute $name.ipynb -> $out/$name.ipynb, $out/$name.html"
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=900 \
    --ExecutePreprocessor.kernel_name=gonb --output-dir "$out" --output "$name" "$nb"
  # GoNB reports a cell whose program fails (a panic, log.Fatal, a failing
  # shell command) only as "exit status N" on the cell's stderr, without an
  # error that would stop nbconvert: look for it.
  python3 - "$out/$name.ipynb" <<'PY' || die "$name.ipynb: a cell failed (see above); the executed notebook is $out/$name.ipynb"
import json, re, sys
failed = False
for i, cell in enumerate(json.load(open(sys.argv[1]))["cells"]):
    for o in cell.get("outputs", []):
        text = "".join(o.get("text", "")) if o.get("output_type") == "stream" else ""
        if o.get("output_type") == "error" or re.search(r"^exit status \d+$", text, re.M):
            first = "".join(cell["source"]).split("\n")[0]
            print("cell %d (%s) failed:\n%s" % (i + 1, first, text or o.get("evalue", "")), file=sys.stderr)
            failed = True
sys.exit(1 if failed else 0)
PY
  # GoNB reports an empty pygments_lexer, which the execution writes into
  # the notebook: the HTML would highlight Go with Python's rules. Go's.
  python3 - "$out/$name.ipynb" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
li = nb["metadata"].setdefault("language_info", {})
li["pygments_lexer"], li["codemirror_mode"] = "go", "go"
json.dump(nb, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
PY
  jupyter nbconvert --to html --output-dir "$out" --output "$name" "$out/$name.ipynb"
  # The prose may quote no figure that the run did not print
  # (internal/nbcheck says what counts, and how to mark a number that is
  # not a result).
  (cd "$root" && go run ./internal/nbcheck/nbcheck "$out/$name.ipynb") || die "$name.ipynb: its text quotes figures the run did not produce (above)"
  done_step
done
say "all done in $((SECONDS - t_all)) s"
