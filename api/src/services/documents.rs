//! Document contents, stored once by their SHA-256 under
//! `{data folder}/documents/{first two hex digits}/{hash}`; what a document is
//! (its dossier, name, kind, size, who attached it) lives in the database
//! (`dossier_document`). A content is written to a temporary file first and
//! renamed into place, so a reader never sees half a file, and the same
//! content attached twice is kept once.

use crate::domain::scope::Scope;
use crate::error::{ApiError, ApiResult};
use crate::services::dossiers;
use entity::dossier_document;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Where contents are kept.
#[derive(Debug, Clone)]
pub struct DocumentStore {
    root: PathBuf,
}

/// A content in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// SHA-256, 64 lowercase hex digits.
    pub sha256: String,
    pub size: u64,
}

impl DocumentStore {
    /// The store under `data_dir/documents`.
    pub fn new(data_dir: &Path) -> Self {
        Self { root: data_dir.join("documents") }
    }

    /// Where the content with this hash is (or would be) kept.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Copies `content` into the store, hashing it on the way; a content
    /// already there is not written again.
    pub async fn put(&self, content: File) -> ApiResult<Stored> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.put_blocking(content))
            .await
            .map_err(|error| ApiError::internal(format!("the document copy stopped: {error}")))?
            .map_err(|error| ApiError::internal(format!("cannot store the document: {error}")))
    }

    fn put_blocking(&self, mut content: File) -> io::Result<Stored> {
        let staging = self.root.join("tmp");
        std::fs::create_dir_all(&staging)?;
        let temporary = staging.join(Uuid::now_v7().simple().to_string());
        let written = (|| {
            let mut out = File::create(&temporary)?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let read = content.read(&mut buffer)?;
                if read == 0 {
                    break;
                }
                hasher.update(&buffer[..read]);
                out.write_all(&buffer[..read])?;
                size += read as u64;
            }
            out.sync_all()?;
            Ok::<_, io::Error>(Stored { sha256: hex(&hasher.finalize()), size })
        })();
        let stored = match written {
            Ok(stored) => stored,
            Err(error) => {
                let _ = std::fs::remove_file(&temporary);
                return Err(error);
            }
        };
        let path = self.path_of(&stored.sha256);
        if path.exists() {
            std::fs::remove_file(&temporary)?;
        } else {
            std::fs::create_dir_all(path.parent().unwrap_or(&self.root))?;
            std::fs::rename(&temporary, &path)?;
        }
        Ok(stored)
    }

    /// The content with this hash.
    pub async fn read(&self, sha256: &str) -> ApiResult<Vec<u8>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::internal("a document row holds a malformed hash"));
        }
        tokio::fs::read(self.path_of(sha256))
            .await
            .map_err(|error| ApiError::internal(format!("the content of document {sha256} is unreadable: {error}")))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The document with this id, if its dossier is visible in `scope`.
pub(crate) async fn find_visible(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
) -> ApiResult<Option<dossier_document::Model>> {
    let Some(document) = dossier_document::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(dossiers::find_by_id(db, scope, document.dossier_id).await?.map(|_| document))
}

/// The documents with these ids (their dossiers already authorised).
pub(crate) async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<dossier_document::Model>> {
    Ok(dossier_document::Entity::find().filter(dossier_document::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// The documents of these dossiers (already authorised), oldest first.
pub(crate) async fn of_dossiers(
    db: &DatabaseConnection,
    dossier_ids: &[Uuid],
) -> ApiResult<Vec<dossier_document::Model>> {
    Ok(dossier_document::Entity::find()
        .filter(dossier_document::Column::DossierId.is_in(dossier_ids.iter().copied()))
        .order_by_asc(dossier_document::Column::CreatedAt)
        .order_by_asc(dossier_document::Column::Id)
        .all(db)
        .await?)
}

/// A file name as given by the uploader, without any folder part, trimmed,
/// at most 255 characters; `None` when nothing is left.
pub(crate) fn clean_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned();
    (!cleaned.is_empty()).then(|| cleaned.chars().take(255).collect())
}

/// A media type as `type/subtype`, lowercase, or `application/octet-stream`
/// when the uploader sent none or something else.
pub(crate) fn clean_content_type(content_type: Option<&str>) -> String {
    let essence = content_type.and_then(|c| c.split(';').next()).map(|c| c.trim().to_ascii_lowercase());
    match essence {
        Some(essence)
            if essence.len() <= 100
                && essence.split_once('/').is_some_and(|(kind, sub)| !kind.is_empty() && !sub.is_empty())
                && essence.bytes().all(|b| b.is_ascii_alphanumeric() || b"/.+-_".contains(&b)) =>
        {
            essence
        }
        _ => "application/octet-stream".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_folders_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\an\\Don de nghi.pdf").as_deref(), Some("Don de nghi.pdf"));
        assert_eq!(clean_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(clean_name("  giấy\u{0}tờ.pdf ").as_deref(), Some("giấytờ.pdf"));
        assert_eq!(clean_name("folder/"), None);
        assert_eq!(clean_name(&"a".repeat(300)).map(|n| n.len()), Some(255));
    }

    #[test]
    fn content_types_are_kept_only_when_well_formed() {
        assert_eq!(clean_content_type(Some("Application/PDF; charset=binary")), "application/pdf");
        assert_eq!(clean_content_type(Some("image/svg+xml")), "image/svg+xml");
        assert_eq!(clean_content_type(Some("text/html\r\nX-Evil: 1")), "application/octet-stream");
        assert_eq!(clean_content_type(Some("nonsense")), "application/octet-stream");
        assert_eq!(clean_content_type(None), "application/octet-stream");
    }

    #[test]
    fn the_same_content_is_stored_once_under_its_hash() {
        let dir = std::env::temp_dir().join(format!("motcua-store-{}", Uuid::now_v7().simple()));
        let store = DocumentStore::new(&dir);
        let content = |bytes: &[u8]| {
            let path = dir.join(format!("in-{}", Uuid::now_v7().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, bytes).unwrap();
            File::open(path).unwrap()
        };
        let first = store.put_blocking(content(b"abc")).unwrap();
        assert_eq!(first.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(first.size, 3);
        let again = store.put_blocking(content(b"abc")).unwrap();
        assert_eq!(again, first);
        assert_eq!(std::fs::read(store.path_of(&first.sha256)).unwrap(), b"abc");
        assert_eq!(std::fs::read_dir(dir.join("documents/tmp")).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
