#!/usr/bin/env python3
"""Writes the demo's files beside this script from the shared lists of
Vietnam's administrative units (GSO codes) before and after 2025-07-01 and
the map between them. Run by hand from the repository's root when the lists
change; the server reads only what this writes (compiled in), never the
shared data:

    python3 api/assets/make-demo.py ../shared/data

- demo-agencies.csv: old Kiên Giang (91) and old An Giang (89) as they stood
  until 2025-06-30 — each province's People's Committee, departments and
  public-administration service centre, its districts and communes — in the
  import format of docs/IMPORT.md.
- demo-officials.csv: the demo officials (docs/design API.md, README) with
  their roles, a specialist for every other unit (`cv.{code}`), and the
  portal's service account; imported before the reorganisation.
- demo-officials-2025.csv: officials of units that exist only from
  2025-07-01, and the province's admin over all its communes, imported after it.
- demo-catalogue.csv: the sample catalogue (names real, codes, times and fees
  sample data) published in both old provinces.
- reorganization-2025.json: the real 2025 plan for the new An Giang: the
  map's 102 merges into the province's communes and its 3 divisions, An
  Giang (89) merged into 91 renamed Tỉnh An Giang, each department and the
  service centre of 89 merged into 91's, every district closed into the new
  commune that took most of its communes (the two communes the map leaves
  out as well), district-tier procedures resolved at the commune tier.
"""

import csv
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALID_FROM = "2020-01-01"
EFFECTIVE = "2025-07-01"

DEPARTMENTS = [
    ("STP", "Sở Tư pháp"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư"),
    ("SXD", "Sở Xây dựng"),
    ("STC", "Sở Tài chính"),
    ("SCT", "Sở Công Thương"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("SGTVT", "Sở Giao thông vận tải"),
    ("STNMT", "Sở Tài nguyên và Môi trường"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"),
    ("SVHTT", "Sở Văn hóa và Thể thao"),
    ("SDL", "Sở Du lịch"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SYT", "Sở Y tế"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("SNV", "Sở Nội vụ"),
    ("TTT", "Thanh tra tỉnh"),
    ("BDT", "Ban Dân tộc"),
    ("BQLKKT", "Ban Quản lý Khu kinh tế"),
    ("VPUBND", "Văn phòng Ủy ban nhân dân tỉnh"),
]
SERVICE_CENTER = ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh")

# The demo officials: login, name, kind, agency code, roles (`role*`: over its subtree).
OFFICIALS = [
    ("tinh.quantri", "Nguyễn Văn Hải", "PERSON", "91", "admin"),
    ("tinh.giamsat", "Lê Thị Thu Hà", "PERSON", "91", "supervisor*"),
    ("rachgia.lanhdao", "Trần Quốc Bảo", "PERSON", "899", "leader"),
    ("rachgia.giamsat", "Lâm Thị Bích Thủy", "PERSON", "899", "supervisor*"),
    ("rachgia.quantri", "Châu Minh Khoa", "PERSON", "899", "admin*"),
    ("vinhthanh.motcua", "Phạm Thị Ngọc Lan", "PERSON", "30733", "receiver"),
    ("vinhthanh.chuyenvien", "Huỳnh Văn Tâm", "PERSON", "30733", "specialist"),
    ("vinhthanh.lanhdao", "Võ Minh Trí", "PERSON", "30733", "leader"),
    ("vinhthanh.quantri", "Lý Thị Hồng Nhung", "PERSON", "30733", "admin"),
    ("tochau.motcua", "Đặng Thị Kim Yến", "PERSON", "30766", "receiver"),
    ("stp.motcua", "Ngô Thị Mai", "PERSON", "91.STP", "receiver"),
    ("stp.chuyenvien", "Bùi Văn Phúc", "PERSON", "91.STP", "specialist"),
    ("stp.lanhdao", "Dương Thanh Sơn", "PERSON", "91.STP", "leader"),
    ("stp.quantri", "Tạ Quang Vinh", "PERSON", "91.STP", "admin"),
    ("angiang.giamsat", "Trịnh Thị Thanh Tâm", "PERSON", "89", "supervisor*"),
    ("portal.dvc", "Cổng Dịch vụ công (tài khoản dịch vụ)", "SERVICE", "91", "portal*"),
]
# Officials of a unit that exists from 2025-07-01 (Phường Long Xuyên), and
# the province's admin, who took over from the abolished districts the
# administration of the communes (its grant over the whole province).
OFFICIALS_2025 = [
    ("tinh.quantri", "Nguyễn Văn Hải", "PERSON", "91", "admin*"),
    ("longxuyen.motcua", "Nguyễn Thị Kiều Oanh", "PERSON", "30307", "receiver"),
    ("longxuyen.chuyenvien", "Lê Hoàng Phúc", "PERSON", "30307", "specialist"),
    ("longxuyen.lanhdao", "Phan Văn Lộc", "PERSON", "30307", "leader"),
]


def write_csv(name, heading, rows):
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(heading)
        out.writerows(rows)


def agencies(old):
    rows = []
    for province in old:
        rows.append((province["code"], province["name"], "PROVINCE", "", VALID_FROM))
    for province in old:
        p = province["code"]
        for abbreviation, name in DEPARTMENTS:
            rows.append((f"{p}.{abbreviation}", name, "DEPARTMENT", p, VALID_FROM))
        rows.append((f"{p}.{SERVICE_CENTER[0]}", SERVICE_CENTER[1], "SERVICE_CENTER", p, VALID_FROM))
        for district in province["districts"]:
            rows.append((district["code"], district["name"], "DISTRICT", p, VALID_FROM))
            for commune in district["communes"]:
                rows.append((commune["code"], commune["name"], "COMMUNE", district["code"], VALID_FROM))
    write_csv("demo-agencies.csv", ["code", "name", "kind", "parent", "validFrom"], rows)
    return rows


def officials(agency_rows):
    heading = ["username", "displayName", "agency", "kind", "roles"]
    rows = [(u, n, a, k, r) for (u, n, k, a, r) in OFFICIALS]
    specialists = {a for (_, _, _, a, r) in OFFICIALS if "specialist" in r}
    for code, name, kind, _, _ in agency_rows:
        if kind == "PROVINCE" or code in specialists:
            continue
        login = code.lower() if not code.startswith("91.") else code[3:].lower()
        rows.append((f"cv.{login}", f"Chuyên viên {name}", code, "PERSON", "specialist"))
    write_csv("demo-officials.csv", heading, rows)
    write_csv("demo-officials-2025.csv", heading, [(u, n, a, k, r) for (u, n, k, a, r) in OFFICIALS_2025])


def catalogue(provinces):
    source = json.loads((HERE / "demo-catalogue.json").read_text(encoding="utf-8"))
    fields = {f["code"]: f["name"] for f in source["fields"]}
    heading = ["code", "version", "name", "field", "fieldName", "publisher", "tier", "onlineMode",
               "resolutionTime", "resolutionUnit", "fee", "decision", "effectiveFrom", "publishedNational",
               "documents", "sample"]
    rows = []
    for p in provinces:
        for proc in source["procedures"]:
            publisher = f"{p}.{proc['department']}" if proc["department"] else p
            rows.append((proc["code"], 1, proc["name"], proc["field"], fields[proc["field"]], publisher,
                         proc["tier"], proc["onlineMode"], proc["time"], proc["unit"], proc["fee"],
                         "Sample/QĐ-UBND", "2024-01-01", str(proc["publishedNational"]).lower(),
                         json.dumps(proc["documents"], ensure_ascii=False), "true"))
    write_csv("demo-catalogue.csv", heading, rows)


def plan(old, new, reorganisation):
    old_codes = {c["code"] for p in old for d in p["districts"] for c in d["communes"]}
    district_of = {c["code"]: d["code"] for p in old for d in p["districts"] for c in d["communes"]}
    merged = [m for m in reorganisation["merged"] if m["province"] == new["code"]]
    divided = [d for d in reorganisation["divided"] if d["from"] in old_codes]
    # Where each old commune's seat goes: its merge, or its division's default.
    heir = {c: m["commune"] for m in merged for c in m["from"]}
    for d in divided:
        heir.setdefault(d["from"], next(i["commune"] for i in d["into"] if i["default"]))
    closed = []
    for province in old:
        for district in province["districts"]:
            taken = Counter(heir[c["code"]] for c in district["communes"] if c["code"] in heir)
            successor = taken.most_common(1)[0][0]
            closed.append({"code": district["code"], "successor": successor})
            for commune in district["communes"]:
                if commune["code"] not in heir:
                    closed.append({"code": commune["code"], "successor": successor})
    others = [p for p in old if p["code"] != new["code"]]
    merged_units = [{"into": new["code"], "from": [p["code"] for p in others]}]
    for abbreviation, _ in DEPARTMENTS + [SERVICE_CENTER]:
        merged_units.append({"into": f"{new['code']}.{abbreviation}",
                             "from": [f"{p['code']}.{abbreviation}" for p in others]})
    name = new["name"] if new["name"].startswith("Tỉnh") else f"Tỉnh {new['name']}"
    document = {
        "effective": EFFECTIVE,
        "decision": "Nghị quyết 202/2025/QH15; Nghị quyết 1654/NQ-UBTVQH15",
        "source": "generated by api/assets/make-demo.py from the shared lists (GSO codes) "
                  "vn-admin-units-2024.json, vn-admin-units-2025.json and vn-admin-reorganisation-2025.json",
        "agencies": [{"code": c["code"], "name": c["name"], "kind": "COMMUNE", "parent": new["code"]}
                     for c in new["communes"]],
        "renamed": [{"code": new["code"], "name": name}],
        "merged": merged + merged_units,
        "divided": divided,
        "closed": closed,
        "grants": {"supervisor": "KEEP", "*": "MOVE"},
        "tiers": {"DISTRICT": "COMMUNE"},
    }
    text = json.dumps(document, ensure_ascii=False, indent=1)
    (HERE / "reorganization-2025.json").write_text(text + "\n", encoding="utf-8")


def main():
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    before = json.loads((shared / "vn-admin-units-2024.json").read_text(encoding="utf-8"))
    after = json.loads((shared / "vn-admin-units-2025.json").read_text(encoding="utf-8"))
    reorganisation = json.loads((shared / "vn-admin-reorganisation-2025.json").read_text(encoding="utf-8"))
    old = [next(p for p in before["provinces"] if p["code"] == code) for code in ("91", "89")]
    new = next(p for p in after["provinces"] if p["code"] == "91")
    agency_rows = agencies(old)
    officials(agency_rows)
    catalogue(["91", "89"])
    plan(old, new, reorganisation)


if __name__ == "__main__":
    main()
