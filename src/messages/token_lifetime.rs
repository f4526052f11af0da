//! How long a token lives, as a person reads it: the lifetime a Pod template's token
//! volume holds after the run and why, and the inventory's cells for it.

use super::inventory_cells::audience_cell;
use crate::decide::{
    DEFAULT_EXPIRATION_SECONDS, EXTENDED_EXPIRATION_SECONDS, EXTENDED_TO_SECONDS, Lifetime,
    LifetimeBy, LifetimeWhy, Wanted, effective_lifetime, is_own_audience, token_of,
};
use crate::policy::LIFETIME_ANNOTATION;

/// How long a token projected with `written` for `audience` lives, as a person reads it.
fn lives(written: Option<i64>, audience: Option<&str>) -> String {
    let for_audience = match audience.filter(|a| !a.is_empty()) {
        Some(a) => format!(" (audience {a:?})"),
        None => String::new(),
    };
    match written {
        Some(EXTENDED_EXPIRATION_SECONDS) if is_own_audience(audience) => format!(
            "{EXTENDED_EXPIRATION_SECONDS} s, which the API server extends to a year for legacy clients"
        ),
        // Only the cluster knows whether the audience is one of the API server's own
        // (`--api-audiences`), whose tokens it extends.
        Some(EXTENDED_EXPIRATION_SECONDS) => format!(
            "{EXTENDED_EXPIRATION_SECONDS} s{for_audience}, or a year if the API server counts that audience as its own"
        ),
        Some(seconds) => format!(
            "{seconds} s{for_audience}, after which it really expires: clients must reload it"
        ),
        None => format!(
            "{DEFAULT_EXPIRATION_SECONDS} s{for_audience} (no expirationSeconds: the API's default), after which it really expires: clients must reload it"
        ),
    }
}

/// How long a token lived, short: `a year (expirationSeconds 3607)`.
fn lived(written: Option<i64>, audience: Option<&str>) -> String {
    match written {
        None => format!("{DEFAULT_EXPIRATION_SECONDS} s (no expirationSeconds)"),
        Some(seconds) if effective_lifetime(written, audience) == EXTENDED_TO_SECONDS => {
            format!("a year (expirationSeconds {seconds}, extended by the API server)")
        }
        Some(seconds) => format!("{seconds} s"),
    }
}

/// Who stated a lifetime.
pub(super) fn lifetime_by(by: &LifetimeBy) -> String {
    match by {
        LifetimeBy::TemplateAnnotation => {
            format!("annotation {LIFETIME_ANNOTATION} on the Pod template")
        }
        LifetimeBy::WorkloadAnnotation => {
            format!("annotation {LIFETIME_ANNOTATION} on the workload")
        }
        LifetimeBy::Rule(i) => format!("rules[{i}]"),
    }
}

/// The lifetime of the token a Pod template's volume holds after the run, and why: the
/// configured one, one shortened to it, the volume's own kept, or a statement's.
pub fn lifetime(lifetime: &Lifetime) -> String {
    let audience = lifetime.audience.as_deref();
    let now = lives(lifetime.written, audience);
    match &lifetime.why {
        LifetimeWhy::Configured => format!("token lifetime {now}"),
        LifetimeWhy::Tightened { from, .. } => format!(
            "token lifetime {now}; shortened from {} to the configured one",
            lived(*from, audience)
        ),
        LifetimeWhy::Kept {
            configured,
            configured_effective,
        } => {
            let had = match lifetime.written {
                None => "the volume had no expirationSeconds".to_owned(),
                Some(_) => "the volume's own".to_owned(),
            };
            let compared = if *configured_effective == EXTENDED_TO_SECONDS {
                "would be extended to a year".to_owned()
            } else if *configured_effective > lifetime.effective {
                "would be longer".to_owned()
            } else {
                "would be no shorter".to_owned()
            };
            let kept = match lifetime.written {
                None => format!("{DEFAULT_EXPIRATION_SECONDS} s"),
                Some(_) => lived(lifetime.written, audience),
            };
            format!(
                "token lifetime {kept} kept ({had}; the configured {configured} s {compared}); a longer one takes the annotation {LIFETIME_ANNOTATION} or a rule's expirationSeconds"
            )
        }
        LifetimeWhy::Stated(by) => {
            format!("token lifetime {now}, as {} states", lifetime_by(by))
        }
    }
}

/// The lifetime of the token `wanted` mounts in a new volume, as it really is in a
/// cluster.
pub fn token_lifetime(wanted: &Wanted) -> String {
    let token = token_of(&wanted.projected);
    format!(
        "token lifetime {}",
        lives(
            token.and_then(|t| t.expiration_seconds),
            token.and_then(|t| t.audience.as_deref())
        )
    )
}

/// The token's lifetime in a table cell: `3607 s (a year for legacy clients)`.
pub fn lifetime_short(wanted: &Wanted) -> String {
    let text = token_lifetime(wanted);
    let seconds = wanted
        .projected
        .sources
        .iter()
        .flatten()
        .find_map(|s| s.service_account_token.as_ref()?.expiration_seconds)
        .unwrap_or_default();
    if text.contains("extends to a year") {
        format!("{seconds} s (a year for legacy clients)")
    } else {
        format!("{seconds} s")
    }
}

/// A Pod template's token in the inventory's cells: its lifetime (`3607 s (a year for
/// legacy clients)`, `3600 s (no expirationSeconds)`) and its audience.
pub fn token_cells(lifetime: &Lifetime) -> (String, String) {
    let audience = lifetime.audience.as_deref();
    let seconds = match lifetime.written {
        None => format!("{DEFAULT_EXPIRATION_SECONDS} s (no expirationSeconds)"),
        Some(s) if lifetime.effective == EXTENDED_TO_SECONDS => {
            format!("{s} s (a year for legacy clients)")
        }
        Some(s) => format!("{s} s"),
    };
    (seconds, audience_cell(audience.filter(|a| !a.is_empty())))
}
