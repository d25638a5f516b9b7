#!/usr/bin/env python3
"""Workload generators for the osfs benchmark (bench/run.sh).

  gen.py small OUTDIR COUNT [RECORDS]
      COUNT distinct small packages, OUTDIR/p0001.json ... : package
      com.bench.pNNNN, namespace bpNNNN, one object bpNNNN_thing with four
      fields, RECORDS (default 5) seed records upserted on "title".
  gen.py big OUT RECORDS
      one package com.bench.big (namespace bbig) whose object bbig_item
      is seeded with RECORDS records of four fields each.
  gen.py contacts OUTDIR COUNT
      COUNT records of app-crm's crm_contact, OUTDIR/c000001.json ...,
      each naming the seeded account "Acme Corp", as osfs prints them (W5).
  gen.py unique OUT RECORDS
      one package com.bench.uq (namespace buq) whose object buq_item has
      a unique email field, seeded with RECORDS records (W7).

Only the standard library; the output is deterministic.
"""
import json
import os
import sys


def fields():
    return {
        "title": {"label": "Title", "type": "text", "required": True},
        "qty": {"label": "Quantity", "type": "number"},
        "status": {"label": "Status", "type": "text"},
        "note": {"label": "Note", "type": "text"},
    }


def artifact(pkg_id, ns, obj, label, records):
    name = f"{ns}_{obj}"
    return {
        "manifest": {"id": pkg_id, "namespace": ns, "version": "1.0.0",
                     "type": "app", "name": f"Bench {ns}"},
        "objects": [{"name": name, "label": label, "fields": fields()}],
        "data": [{"object": name, "externalId": "title", "mode": "upsert",
                  "records": records}],
    }


def record(i):
    return {"title": f"r{i:06d}", "qty": i,
            "status": ("open", "done", "late")[i % 3],
            "note": f"bench record {i} of a generated seed dataset"}


def write(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)


def main(argv):
    if len(argv) >= 3 and argv[0] == "small":
        outdir, count = argv[1], int(argv[2])
        nrec = int(argv[3]) if len(argv) > 3 else 5
        os.makedirs(outdir, exist_ok=True)
        for n in range(1, count + 1):
            ns = f"bp{n:04d}"
            recs = [record(i) for i in range(1, nrec + 1)]
            write(os.path.join(outdir, f"p{n:04d}.json"),
                  artifact(f"com.bench.p{n:04d}", ns, "thing", "Thing", recs))
        return 0
    if len(argv) == 3 and argv[0] == "big":
        out, nrec = argv[1], int(argv[2])
        recs = [record(i) for i in range(1, nrec + 1)]
        write(out, artifact("com.bench.big", "bbig", "item", "Item", recs))
        return 0
    if len(argv) == 3 and argv[0] == "contacts":
        outdir, count = argv[1], int(argv[2])
        os.makedirs(outdir, exist_ok=True)
        for i in range(1, count + 1):
            # As osfs prints a record (its id, two-space indent), so that the
            # copy's sizes are the records' and a second rsync -a has nothing
            # to do.
            doc = {"id": f"c{i:06d}", "first_name": "Bench", "last_name": f"Contact {i}",
                   "email": f"c{i:06d}@bench.example", "account": "Acme Corp"}
            with open(os.path.join(outdir, f"c{i:06d}.json"), "w", encoding="utf-8") as f:
                f.write(json.dumps(doc, indent=2) + "\n")
        return 0
    if len(argv) == 3 and argv[0] == "unique":
        out, nrec = argv[1], int(argv[2])
        doc = artifact("com.bench.uq", "buq", "item", "Item",
                       [dict(record(i), email=f"u{i:06d}@bench.example")
                        for i in range(1, nrec + 1)])
        doc["objects"][0]["fields"]["email"] = {"label": "Email", "type": "email", "unique": True}
        write(out, doc)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
