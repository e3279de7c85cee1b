//! Who the caller is (JWT) and what it may do (casbin).

pub(crate) mod authn;
pub(crate) mod authz;

pub use authn::Authenticator;
pub(crate) use authn::{Identity, Viewer};
pub(crate) use authz::{Authz, Grant};
