//! Drill-down: the dossiers one figure of a report counts, as a condition on
//! the dossier rows — the definitions of docs/REPORTS.md written over the
//! dossiers and their moves, for `dossiers(filter: { reportCell })`. The
//! report itself reads counters (`services::tally`); tests hold the two equal.
//!
//! Where a dossier was at the end of a day: where it is now (`agency_path`),
//! unless a reorganisation moved it after that day — then where its first
//! move after it took it from. It is taken in where it was on that day (an
//! online submission may wait at the desk across a move) and ends where it is
//! now (only dossiers in flight move).

use super::period::day_start;
use super::Subject;
use crate::domain::scope::Scope;
use crate::services::scope::scope_on;
use chrono::{DateTime, Days, Utc};
use entity::{dossier, dossier_move, field, procedure, Channel, DossierStatus, Outcome, PaymentMethod};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{Condition, DbBackend};
use uuid::Uuid;

/// A figure of the dossier report, or a count or base of the service index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    CarriedOver,
    ReceivedOnline,
    ReceivedDirect,
    ReceivedPostal,
    Received,
    MovedIn,
    TotalToResolve,
    ResolvedEarly,
    ResolvedOnTime,
    ResolvedLate,
    Resolved,
    Withdrawn,
    Refused,
    Stopped,
    MovedOut,
    Pending,
    PendingOverdue,
    PendingWithinDeadline,
    /// Taken in within the period with digitised documents.
    ReceivedDigitized,
    /// Taken in within the period with a fee.
    ReceivedWithFee,
    /// Of those, paid online.
    PaidOnline,
    /// Resolved within the period early or on time.
    ResolvedInTime,
    /// Resolved within the period with a digitised result.
    ResultDigitized,
}

/// One figure: a column of the report on `subject`, in its total or in a
/// row by procedure or field. (A row by agency is the report on that agency;
/// a row by month, the report over that month's days.)
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub subject: Subject,
    /// Paths of the subject's scope the cell does not count (a row by agency
    /// whose subtree holds a unit with a row of its own before it).
    pub except: Scope,
    pub column: Column,
    pub row: Row,
}

/// Which row of a report by procedure or field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Row {
    Total,
    /// A procedure version (a dossier counts under the version it was received under).
    Procedure(Uuid),
    /// A field of administration, by code.
    Field(String),
}

fn col(column: dossier::Column) -> Expr {
    Expr::col((dossier::Entity, column))
}

/// When the dossier was taken in: received, or refused at intake.
fn entered() -> SimpleExpr {
    Expr::case(col(dossier::Column::ReceivedAt).is_not_null(), col(dossier::Column::ReceivedAt))
        .case(col(dossier::Column::Status).eq(DossierStatus::Refused), col(dossier::Column::FinishedAt))
        .into()
}

/// The day (in Vietnam) the dossier was taken in. (The custom SQL's
/// placeholder for the expression is the builder's own: `$1`, `?`.)
fn entered_day(backend: DbBackend) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => {
            Expr::cust_with_expr("CAST(($1) AT TIME ZONE 'UTC' + INTERVAL '7 hours' AS date)", entered())
        }
        _ => Expr::cust_with_expr("date(?, '+7 hours')", entered()),
    }
}

/// The dossier's moves after `day` (with `on`, from `day` itself on), in
/// the table named `alias`.
fn moves_after(alias: &str, day: &SimpleExpr, on: bool) -> SelectStatement {
    use dossier_move::Column::{Day, DossierId};
    let alias = Alias::new(alias);
    let when = Expr::col((alias.clone(), Day));
    Query::select()
        .expr(Expr::val(1))
        .from_as(dossier_move::Entity, alias.clone())
        .and_where(Expr::col((alias, DossierId)).equals((dossier::Entity, dossier::Column::Id)))
        .and_where(if on { when.gte(day.clone()) } else { when.gt(day.clone()) })
        .to_owned()
}

/// Whether the dossier was where `counts` counts at the end of `day` — or,
/// with `on`, during `day` before that day's move: where it is now if no
/// move came after, else where its first move after took it from. (Written
/// without a subquery per place `counts` names: an index probe for the
/// dossiers that never moved, most of them.)
fn was_at(day: SimpleExpr, on: bool, counts: impl Fn(&SimpleExpr) -> Condition) -> Condition {
    use dossier_move::Column::{Day, FromPath};
    let first = moves_after("first_move", &day, on)
        .cond_where(counts(&Expr::col((Alias::new("first_move"), FromPath)).into()))
        .and_where(
            Expr::exists(
                moves_after("earlier_move", &day, on)
                    .and_where(
                        Expr::col((Alias::new("earlier_move"), Day)).lt(Expr::col((Alias::new("first_move"), Day))),
                    )
                    .to_owned(),
            )
            .not(),
        )
        .to_owned();
    Condition::any()
        .add(
            Condition::all()
                .add(Expr::exists(moves_after("later_move", &day, on)).not())
                .add(counts(&col(dossier::Column::AgencyPath).into())),
        )
        .add(Expr::exists(first))
}

impl Cell {
    /// The condition selecting exactly the dossiers the figure counts, as
    /// seen at `now` (the pending of a period still running are those
    /// pending now).
    pub(crate) fn condition(&self, backend: DbBackend, now: DateTime<Utc>) -> Condition {
        use dossier::Column::{AgencyPath, Channel as Via, DocumentsDigitized, DueAt, FeeAmount, FinishedAt};
        use dossier::Column::{Outcome as Ended, PaymentMethod as Paid, ProcedureId, ResultDigitized, Status};
        let period = self.subject.period;
        // Where the figure counts: in the subject's scope, not in the row's exceptions.
        let counts = |path: &SimpleExpr| {
            let inside = scope_on(&self.subject.within, path);
            match self.except.is_empty() {
                true => inside,
                false => inside.add(scope_on(&self.except, path).not()),
            }
        };
        let (a, b) = (day_start(period.from), day_start(period.to + Days::new(1)));
        let finished = || col(FinishedAt);
        let taken_in = || Expr::expr(entered());
        let taken_in_within = || {
            Condition::all().add(taken_in().gte(a)).add(taken_in().lt(b)).add(was_at(
                entered_day(backend),
                true,
                counts,
            ))
        };
        let channel = |via: Channel| taken_in_within().add(col(Via).eq(via));
        let resolved = [DossierStatus::Resolved, DossierStatus::Returned];
        let ended_within = |statuses: &[DossierStatus]| {
            Condition::all()
                .add(finished().gte(a))
                .add(finished().lt(b))
                .add(col(Status).is_in(statuses.iter().copied()))
                .add(counts(&col(AgencyPath).into()))
        };
        let resolved_as =
            |outcomes: &[Outcome]| ended_within(&resolved).add(col(Ended).is_in(outcomes.iter().copied()));
        let pending = || {
            Condition::all()
                .add(taken_in().lt(b))
                .add(Condition::any().add(finished().is_null()).add(finished().gte(b)))
                .add(was_at(Expr::val(period.to).into(), false, counts))
        };
        let overdue = || col(DueAt).lt(b.min(now));
        let carried_over = || {
            Condition::all()
                .add(taken_in().lt(a))
                .add(Condition::any().add(finished().is_null()).add(finished().gte(a)))
                .add(was_at(Expr::val(period.from - Days::new(1)).into(), false, counts))
        };
        let moved = |inward: bool| {
            use dossier_move::Column::{Day, DossierId, FromPath, ToPath};
            let (into, out_of) = (
                counts(&Expr::col((dossier_move::Entity, ToPath)).into()),
                counts(&Expr::col((dossier_move::Entity, FromPath)).into()),
            );
            let (inside, outside) = if inward { (into, out_of) } else { (out_of, into) };
            let moves = Query::select()
                .expr(Expr::val(1))
                .from(dossier_move::Entity)
                .and_where(Expr::col((dossier_move::Entity, DossierId)).equals((dossier::Entity, dossier::Column::Id)))
                .and_where(Expr::col((dossier_move::Entity, Day)).between(period.from, period.to))
                .cond_where(inside)
                .cond_where(outside.not())
                .to_owned();
            Condition::all().add(Expr::exists(moves))
        };
        // Every dossier has one of the three channels: received is taken in.
        let received = taken_in_within;
        let condition = match self.column {
            Column::CarriedOver => carried_over(),
            Column::ReceivedOnline => channel(Channel::Online),
            Column::ReceivedDirect => channel(Channel::Direct),
            Column::ReceivedPostal => channel(Channel::Postal),
            Column::Received => received(),
            Column::MovedIn => moved(true),
            Column::TotalToResolve => Condition::any().add(carried_over()).add(received()).add(moved(true)),
            Column::ResolvedEarly => resolved_as(&[Outcome::Early]),
            Column::ResolvedOnTime => resolved_as(&[Outcome::OnTime]),
            Column::ResolvedLate => resolved_as(&[Outcome::Late]),
            Column::Resolved => resolved_as(&[Outcome::Early, Outcome::OnTime, Outcome::Late]),
            Column::Withdrawn => ended_within(&[DossierStatus::Withdrawn]),
            Column::Refused => ended_within(&[DossierStatus::Refused]),
            Column::Stopped => ended_within(&[DossierStatus::Stopped]),
            Column::MovedOut => moved(false),
            Column::Pending => pending(),
            Column::PendingOverdue => pending().add(overdue()),
            Column::PendingWithinDeadline => {
                pending().add(Condition::any().add(col(DueAt).is_null()).add(overdue().not()))
            }
            Column::ReceivedDigitized => taken_in_within().add(col(DocumentsDigitized).eq(true)),
            Column::ReceivedWithFee => taken_in_within().add(col(FeeAmount).gt(0)),
            Column::PaidOnline => taken_in_within().add(col(FeeAmount).gt(0)).add(col(Paid).eq(PaymentMethod::Online)),
            Column::ResolvedInTime => resolved_as(&[Outcome::Early, Outcome::OnTime]),
            Column::ResultDigitized => ended_within(&resolved).add(col(ResultDigitized).eq(true)),
        };
        // `condition` may be an `any`: the row's narrowing goes beside it.
        let all = Condition::all().add(condition);
        match &self.row {
            Row::Total => all,
            Row::Procedure(version) => all.add(col(ProcedureId).eq(*version)),
            Row::Field(code) => {
                let field = Query::select()
                    .column((field::Entity, field::Column::Id))
                    .from(field::Entity)
                    .and_where(Expr::col((field::Entity, field::Column::Code)).eq(code.as_str()))
                    .to_owned();
                let versions = Query::select()
                    .column((procedure::Entity, procedure::Column::Id))
                    .from(procedure::Entity)
                    .and_where(Expr::col((procedure::Entity, procedure::Column::FieldId)).in_subquery(field))
                    .to_owned();
                all.add(col(ProcedureId).in_subquery(versions))
            }
        }
    }
}
