//! Users, workspaces and credentials made directly, without the forms.

use chrono::NaiveDateTime;
use diesel::RunQueryDsl;
use postern::db::models::{NewSmtpCredential, SmtpCredential, User, Workspace};
use postern::domain::{EmailAddress, Role};
use postern::service::accounts::{self, NewAccount};
use postern::service::workspaces;

use super::{PASSWORD, TestApp};

/// A well-formed argon2id hash that no password matches, for credentials
/// inserted without hashing.
pub const SEEDED_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";

impl TestApp {
    /// Creates a user with [`PASSWORD`] directly in the database.
    pub async fn create_user(&self, email: &str, name: &str) -> User {
        let account = NewAccount {
            email: EmailAddress::parse(email).unwrap(),
            name: name.to_owned(),
            password_hash: postern::auth::password::hash(PASSWORD),
            is_admin: false,
        };
        accounts::create_user(&self.db, account).await.unwrap()
    }

    pub async fn create_workspace(&self, owner: &User, name: &str) -> Workspace {
        workspaces::create(&self.db, &owner.id, name).await.unwrap()
    }

    pub async fn add_member(&self, workspace: &Workspace, user: &User, role: Role) {
        accounts::add_member(&self.db, &workspace.id, &user.id, role)
            .await
            .unwrap();
    }

    /// A signed-in owner of a fresh workspace, on this app's client.
    pub async fn signed_in_owner(&self) -> (User, Workspace) {
        let user = self.create_user("owner@example.com", "Olive Owner").await;
        let workspace = self.create_workspace(&user, "Acme Mail").await;
        self.login("owner@example.com", PASSWORD)
            .await
            .assert_redirect_to("/");
        (user, workspace)
    }

    /// The number of rows in a table.
    pub async fn count_rows(&self, table: &'static str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .query(move |conn| {
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result::<Count>(conn)
            })
            .await
            .unwrap()
            .n
    }
}

/// Inserts `n` global credentials (`App 0000`/`user_0000`, …) directly,
/// without argon2 per row; `times(i)` gives row i's creation and last-use time.
pub async fn seed_credentials(
    app: &TestApp,
    workspace: &Workspace,
    n: usize,
    times: impl Fn(usize) -> (NaiveDateTime, Option<NaiveDateTime>) + Send + 'static,
) {
    let workspace = workspace.id.clone();
    app.db
        .query(move |conn| {
            for i in 0..n {
                let (created_at, last_used_at) = times(i);
                SmtpCredential::insert(
                    conn,
                    &NewSmtpCredential {
                        created_at,
                        updated_at: created_at,
                        last_used_at,
                        ..NewSmtpCredential::new(
                            workspace.clone(),
                            &format!("App {i:04}"),
                            &format!("user_{i:04}"),
                            SEEDED_HASH,
                        )
                    },
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
}
