#!/usr/bin/env bash
# Trains LeNet-5 (ReLU/max-pool variant) on Fashion-MNIST through a kiln
# training library (docs/training.md, "Fashion-MNIST"):
#
#   scripts/train_fashion_mnist.sh [EPOCHS] [--torch]
#
# Builds kiln if needed, compiles examples/fashion_mnist/lenet5_relu.json with
# --train (Adam, lr 1e-3, batch 64), builds the C driver against the static
# library and runs it. With --torch it then runs the same network in PyTorch
# (scripts/fashion_mnist_torch.py, same batch, optimizer, initial weights and
# thread count) so that the epoch times come from one session.
#
# Environment: KILN_BUILD_DIR (default build/), THREADS (default: all cores),
# SEED (default 1), FASHION_MNIST_DIR (default /usr/share/datasets/fashion-mnist,
# Debian's dataset-fashion-mnist package), CHECKPOINT (a file to save the
# trained weights and optimizer state to).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
epochs=5
torch=0
for arg in "$@"; do
  case "$arg" in
    --torch) torch=1 ;;
    *[!0-9]* | "") echo "usage: $0 [EPOCHS] [--torch]" >&2; exit 2 ;;
    *) epochs=$arg ;;
  esac
done
build="${KILN_BUILD_DIR:-$root/build}"
threads="${THREADS:-$(nproc)}"
seed="${SEED:-1}"
data="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  echo "no Fashion-MNIST in $data (apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR)" >&2
  exit 1
fi
[ -x "$build/tools/kiln" ] || KILN_BUILD_DIR="$build" "$root/scripts/build.sh"
out="$build/fashion_mnist"
spec="$root/examples/fashion_mnist/lenet5_relu.json"
echo "== kiln compile $spec --train --optimizer adam --lr 0.001 -o $out"
"$build/tools/kiln" compile "$spec" -o "$out" --quiet --train \
  --loss softmax_cross_entropy --optimizer adam --lr 0.001
"$build/tools/kiln" export-weights "$spec" -o "$out/initial.weights"
echo "== cc examples/fashion_mnist/train_fashion_mnist.c libfashion_lenet.a"
cc -O2 -std=c11 "$root/examples/fashion_mnist/train_fashion_mnist.c" -I "$out" \
   "$out/libfashion_lenet.a" -lpthread -ldl -lm -o "$out/train_fashion_mnist"
echo "== kiln: $epochs epochs, $threads threads"
checkpoint=()
[ -n "${CHECKPOINT:-}" ] && checkpoint=(--checkpoint "$CHECKPOINT")
"$out/train_fashion_mnist" "$data" --epochs "$epochs" --seed "$seed" --threads "$threads" \
  "${checkpoint[@]}"
if [ "$torch" = 1 ]; then
  echo "== PyTorch: $epochs epochs, $threads threads, the same initial weights"
  /usr/bin/python3 "$root/scripts/fashion_mnist_torch.py" --data "$data" --epochs "$epochs" \
    --threads "$threads" --seed "$seed" --weights "$out/initial.weights"
fi
