#!/usr/bin/env bash
# Xwp against PyTorch/Captum on the same model, inputs and settings, in one run:
#   1. `xwp bench --export` writes the 784-400-100-10 fixture network (PyTorch state_dicts), the inputs,
#      the targets, Xwp's maps of the first images and every method's settings;
#   2. peers.py times the PyTorch/Captum peers on them (several batch sizes, the fastest counts) and
#      compares their maps with Xwp's;
#   3. `xwp bench --json` times Xwp on the same work right after, with the same threads and seed, on as
#      many images per call as each peer was fastest at;
#   4. the same three steps for the generic (any-model) paths on the small CNN docs/bench/small_cnn.pt
#      and its 32 inputs docs/bench/small_cnn_inputs.npy: `xwp bench --torchscript ... --export` writes
#      the inputs, targets, Xwp's Occlusion and IG maps and the settings; peers.py times Captum's
#      Occlusion, KernelShap and IntegratedGradients on the scripted model; `xwp bench --torchscript
#      --json` times Xwp on as many images per call as each peer was fastest at;
#   5. table.py prints two tables, the network's and the small CNN's.
#
# Usage: bench/peers/run.sh [--threads 2] [--repeat 3] [--seed 0] [--out DIR] [any other `xwp bench` option]
#   e.g. bench/peers/run.sh --method-images 64      (a quick check that the maps agree)
# The other `xwp bench` options apply to the 784-400-100-10 network only; the small CNN's rows always
# use all its inputs (KernelSHAP: 8 of them) or fewer, as the peer was fastest.
# Environment: PYTHON (default python3) must have torch and Captum 0.7 (`pip install torch captum`);
#   XWP (default: build src/Xwp.Cli in Release and use it) is the xwp command to time.
set -euo pipefail

threads=2 repeat=3 seed=0 out=""
passthrough=() method_images=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    # The export's image counts; the timed run gets the peers' fastest batches (at most these) instead.
    --method-images) method_images=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) passthrough+=("$1"); shift ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
if [[ "$python" == */* ]]; then
  python="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")"
fi
if [[ -z "$out" ]]; then
  out="$(mktemp -d "${TMPDIR:-/tmp}/xwp-peers.XXXXXX")"
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if [[ -z "${XWP:-}" ]]; then
  dotnet build "$root/src/Xwp.Cli" -c Release -nologo -v quiet >&2
  XWP="$(find "$root/src/Xwp.Cli/bin/Release" -name xwp -type f -perm -u+x | head -n 1)"
elif [[ "$XWP" == */* ]]; then
  XWP="$(cd "$(dirname "$XWP")" && pwd)/$(basename "$XWP")"
fi

common=(--peers-only --threads "$threads" --seed "$seed" "${passthrough[@]}")
rm -rf "$out/export"
"$XWP" bench --export "$out/export" "${common[@]}" "${method_images[@]}" >&2
"$python" "$here/peers.py" --export "$out/export" --threads "$threads" --repeat "$repeat" --out "$out/peers.json"
# Xwp is timed on as many images per call as the peer was fastest at, so both sides do the same work per call.
batches="$("$python" "$here/table.py" --batches "$out/peers.json")"
"$XWP" bench --json --repeat "$repeat" "${common[@]}" --method-images "$batches" > "$out/xwp.json"

# Run from the repository root so the commands in the table name the model by its path in the repository.
cd "$root"
cnn=(--torchscript docs/bench/small_cnn.pt --inputs docs/bench/small_cnn_inputs.npy --threads "$threads")
rm -rf "$out/cnn-export"
"$XWP" bench "${cnn[@]}" --export "$out/cnn-export" >&2
"$python" "$here/peers.py" --export "$out/cnn-export" --threads "$threads" --repeat "$repeat" --out "$out/cnn-peers.json"
cnn_batches="$("$python" "$here/table.py" --batches "$out/cnn-peers.json")"
"$XWP" bench --json --repeat "$repeat" "${cnn[@]}" --method-images "$cnn_batches" > "$out/cnn-xwp.json"

command="bench/peers/run.sh --threads $threads --repeat $repeat --seed $seed${method_images:+ ${method_images[*]}}${passthrough:+ ${passthrough[*]}}"
"$python" "$here/table.py" --command "$command" "$out/peers.json" "$out/xwp.json" "$out/cnn-peers.json" "$out/cnn-xwp.json" \
  | tee "$out/table.md"
echo "(JSON and the exported files are in $out)" >&2
