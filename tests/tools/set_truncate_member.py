#!/usr/bin/env python3
"""Rewrites a backup set with one gzip member cut short, keeping every checksum
consistent: the member's size and SHA-256 in manifest.json and the .sha256 sidecar
are recomputed, so only inflating the member to its end can tell that it is damaged.

    set_truncate_member.py SET_IN SET_OUT   (writes SET_OUT and SET_OUT.sha256)

Prints the path of the member that was cut."""
import hashlib
import io
import json
import os
import sys
import tarfile


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with tarfile.open(src) as tin:
        entries = [(m, tin.extractfile(m).read()) for m in tin.getmembers() if m.isfile()]
    manifest = json.loads(dict((m.name, d) for m, d in entries)["manifest.json"])
    victim = next(mm for mm in manifest["members"]
                  if mm["path"].endswith(".gz") and mm["size"] > 64 and "parts" not in mm)
    out = []
    for m, data in entries:
        if m.name == victim["path"]:
            data = data[:-16]   # the last member's CRC-32 and length, and some deflate data
            victim["size"] = len(data)
            victim["sha256"] = hashlib.sha256(data).hexdigest()
        out.append((m, data))
    with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
        for m, data in out:
            if m.name == "manifest.json":
                data = json.dumps(manifest).encode()
            m.size = len(data)
            tout.addfile(m, io.BytesIO(data))
    digest = hashlib.sha256(open(dst, "rb").read()).hexdigest()
    with open(dst + ".sha256", "w") as side:
        side.write(f"{digest}  {os.path.basename(dst)}\n")
    print(victim["path"])


if __name__ == "__main__":
    main()
