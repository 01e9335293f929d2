//! Settings → SMTP Credentials.
//!
//! Every action works as a plain form (JavaScript off: full pages, dialogs
//! rendered open) and with htmx (`HX-Request`: the fragment it targets — the
//! table, a row, or the body of the shared `#modal` dialog). The same askama
//! partials serve both. A password appears only in the one response that
//! creates it, marked `Cache-Control: no-store`.

mod actions;
mod changes;
mod detail;
mod dialogs;
mod list;
mod params;
mod view;

pub use actions::{create, edit, edit_form, new_form};
pub use changes::{activate, confirm_delete, confirm_regenerate, deactivate, delete, regenerate};
pub use detail::{confirm_revoke_previous, renew, revoke_previous, set_policies, show};
pub use list::list;
