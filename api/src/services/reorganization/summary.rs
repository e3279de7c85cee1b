//! A dry run as JSON, every entry of it: what `motcua reorganize` prints.

use super::plan::{DryRun, Severity};
use serde_json::{json, Value};

/// The whole dry run.
pub(crate) fn to_json(dry: &DryRun) -> Value {
    json!({
        "effective": dry.effective,
        "decision": dry.decision,
        "applicable": dry.applicable(),
        "provinces": dry.provinces,
        "problems": dry.problems.iter().map(|p| json!({
            "severity": match p.severity { Severity::Error => "ERROR", Severity::Warning => "WARNING" },
            "code": p.code, "reason": p.reason,
        })).collect::<Vec<_>>(),
        "created": dry.units.iter().map(|u| json!({
            "code": u.code, "name": u.name, "kind": u.kind, "path": u.path, "exists": u.id.is_some(),
        })).collect::<Vec<_>>(),
        "renamed": dry.renamed.iter().map(|(a, name, done)| json!({
            "code": a.code, "path": a.path, "from": a.name, "to": name, "done": done,
        })).collect::<Vec<_>>(),
        "closed": dry.closing.iter().map(|c| json!({
            "code": c.agency.code, "name": c.agency.name, "path": c.agency.path, "done": c.done,
            "byAddress": c.by_address,
            "successors": c.successors.iter().map(|(u, default)| json!({ "code": u.code, "path": u.path, "default": default })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "moves": dry.flows.iter().map(|f| json!({
            "from": f.from.code, "fromPath": f.from.path, "to": f.to.code, "toPath": f.to.path, "dossiers": f.dossiers,
        })).collect::<Vec<_>>(),
        "grants": dry.grants.iter().map(|g| json!({
            "username": g.username, "role": g.role, "domain": g.domain, "outcome": g.rule, "to": g.to,
        })).collect::<Vec<_>>(),
        "officialsMoved": dry.officials.len(),
        "procedures": dry.procedures.iter().map(|p| json!({
            "code": p.version.code, "version": p.version.version, "publisher": p.version.agency_path,
            "newPublisher": p.publisher.as_ref().map(|u| &u.path), "tier": p.version.tier,
            "newTier": p.tier, "retire": p.retire,
        })).collect::<Vec<_>>(),
        "counts": {
            "created": dry.units.iter().filter(|u| u.id.is_none()).count(),
            "closed": dry.closing.iter().filter(|c| !c.done).count(),
            "movedDossiers": dry.flows.iter().map(|f| f.dossiers).sum::<i64>(),
            "grants": dry.grants.len(),
            "procedures": dry.procedures.len(),
            "errors": dry.problems.iter().filter(|p| p.severity == Severity::Error).count(),
            "warnings": dry.problems.iter().filter(|p| p.severity == Severity::Warning).count(),
        },
    })
}
