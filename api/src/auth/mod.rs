//! Who the caller is (JWT) and what it may do (casbin).

pub mod authn;
pub mod authz;

pub use authn::{Authenticator, Identity, Viewer};
pub use authz::{Authz, Grant};
