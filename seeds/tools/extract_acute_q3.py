"""Extract NHS England's acute-trust Q3 2025/26 NOF results from the trustpulse profile file.

Run once by hand; its output, `published-segments-acute-2025-26-q3.csv`, is the seed. Kept so
that anyone can re-derive the seed from the source file named in PROVENANCE.md:

    python seeds/tools/extract_acute_q3.py trustpulse_trust_profiles_2026-03.csv > \
        seeds/published-segments-acute-2025-26-q3.csv
"""

import csv
import sys

SOURCE = (
    "larsen-analyst/trustpulse data/processed/trust_profiles.csv @04a0235c (third-party copy of "
    "NHS England's acute-trust league table, Q3 2025/26)"
)
# The acute league table's size: its published ranks run to 134 (the file holds 129 of the 134
# trusts), matching "of 134" in Northern Care Alliance and WWL statements (reference/nof.md §3.8).
ACUTE_PEER_COUNT = "134"
DOMAINS = (
    "access",
    "patient_safety",
    "finance_productivity",
    "people_workforce",
    "effectiveness_experience",
)
COLUMNS = [
    "basis", "framework", "quarter", "ods_code", "name", "trust_type", "trust_subtype", "region",
    "segment", "adjusted_segment", "unadjusted_segment", "financial_override",
    "in_improvement_programme", "average_score", "rank", "peer_count",
    *(f"domain_score_{d}" for d in DOMAINS), *(f"domain_segment_{d}" for d in DOMAINS),
    "decided_by", "reason_codes", "source",
]


def whole(text: str) -> str:
    return str(int(float(text))) if text else ""


def unadjusted(segment: str, in_deficit: bool) -> str:
    # The override only lifts segments 1 and 2 to 3, so a flagged trust in 3 may have been in 1,
    # 2 or 3 before it: unknown. Unflagged trusts and trusts in 4 were not moved.
    return "" if in_deficit and segment == "3" else segment


def main(path: str) -> None:
    out = csv.DictWriter(sys.stdout, COLUMNS, lineterminator="\n")
    out.writeheader()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Trust_type"] == "Acute trust" and r["lt_segment"]]
    for r in sorted(rows, key=lambda r: r["org_code"]):
        segment, in_deficit = whole(r["lt_segment"]), whole(r["lt_in_deficit"]) == "1"
        out.writerow({
            "basis": "published", "framework": "NOF2025", "quarter": "Q3 2025/26",
            "ods_code": r["org_code"], "name": r["org_name"], "trust_type": r["Trust_type"],
            "trust_subtype": r["Trust_subtype"], "region": r["Region"],
            "segment": segment, "adjusted_segment": segment,
            "unadjusted_segment": unadjusted(segment, in_deficit),
            "financial_override": "1" if in_deficit else "0",
            "in_improvement_programme": "", "average_score": r["lt_avg_score"],
            "rank": whole(r["lt_rank"]), "peer_count": ACUTE_PEER_COUNT,
            **{f"domain_score_{d}": r[f"domain_score_{d}"] for d in DOMAINS},
            **{f"domain_segment_{d}": whole(r[f"domain_segment_{d}"]) for d in DOMAINS},
            "decided_by": "", "reason_codes": "", "source": SOURCE,
        })


if __name__ == "__main__":
    main(sys.argv[1])
