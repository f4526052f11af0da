"""The rapidyaml reference of `make bench` (benches/bench/main.rs): one timed parse of a
file with rapidyaml's Python binding, the nearest thing to a YAML parser's limit.

Prints two figures in seconds: `ryml.parse_in_place` into a new tree (as the binding's
own example does), and into a tree that already holds the capacity from an earlier
parse of the same bytes (the parse alone, without growing the tree). A warm-up parse
runs first. The bench runs this once per repetition, interleaved with its own passes.

With `--count N` it prints nothing and makes N parses into the grown tree after the
warm-up: the bench runs it under callgrind with 1 and with 2, and the difference is the
instructions of one parse, whatever the interpreter's own start-up costs.
"""
import sys
import time

import ryml


def main(path, count=None):
    data = open(path, "rb").read()
    tree = ryml.Tree()
    ryml.parse_in_place(bytearray(data), tree)  # warm-up, and the capacity for "reused"
    if count is not None:
        for _ in range(count):
            buf = bytearray(data)
            tree.clear()
            ryml.parse_in_place(buf, tree)
        return
    buf = bytearray(data)
    start = time.perf_counter()
    fresh = ryml.parse_in_place(buf)
    fresh_secs = time.perf_counter() - start
    del fresh
    buf = bytearray(data)
    tree.clear()
    start = time.perf_counter()
    ryml.parse_in_place(buf, tree)
    reused_secs = time.perf_counter() - start
    print(f"{fresh_secs} {reused_secs} {tree.size()}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--count":
        main(sys.argv[1], int(sys.argv[3]))
    else:
        main(sys.argv[1])
