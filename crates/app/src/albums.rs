//! Telegram delivers an album as one update per photo, sharing a `media_group_id`. The bot
//! acknowledges an album once, so updates of a group are held for a short window and handed
//! over as one `Event::Album`.

use aisha_bot::io::{AlbumItem, ChatId, Event, Update};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long to wait for the rest of an album after its first photo.
pub const WINDOW: Duration = Duration::from_millis(900);

#[derive(Clone, Default)]
pub struct Albums {
    open: Arc<Mutex<HashMap<(ChatId, String), Update>>>,
}

impl Albums {
    /// `Some(update)` to handle now; `None` if the update joined an album that will be handed
    /// over later through `ready`.
    pub fn offer(&self, update: Update, ready: impl FnOnce(Update) + Send + 'static) -> Option<Update> {
        let (chat, group, item) = match &update.event {
            Event::Photo { chat, message, file, media_group: Some(g), .. } => {
                (*chat, g.clone(), AlbumItem { message: *message, file: file.clone(), is_document: false })
            }
            Event::Document { chat, message, file, media_group: Some(g), .. } => {
                (*chat, g.clone(), AlbumItem { message: *message, file: file.clone(), is_document: true })
            }
            _ => return Some(update),
        };
        let key = (chat, group.clone());
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(album) = open.get_mut(&key) {
            if let Event::Album { items, .. } = &mut album.event {
                items.push(item);
            }
            return None;
        }
        open.insert(
            key.clone(),
            Update {
                id: update.id,
                from: update.from,
                event: Event::Album { chat, media_group: group, items: vec![item] },
            },
        );
        drop(open);
        let albums = self.open.clone();
        tokio::spawn(async move {
            tokio::time::sleep(WINDOW).await;
            let album = albums.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key);
            if let Some(album) = album {
                ready(album);
            }
        });
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aisha_bot::io::{IncomingFile, MessageId};
    use aisha_domain::TelegramUserId;
    use aisha_domain::user::Profile;

    fn photo(id: i64, group: Option<&str>) -> Update {
        let file = IncomingFile {
            file_id: format!("f{id}"),
            file_unique_id: format!("u{id}"),
            size: Some(1000),
            width: Some(800),
            height: Some(800),
            mime_type: None,
            file_name: None,
        };
        Update {
            id,
            from: Profile {
                telegram_id: TelegramUserId::new(7).unwrap(),
                first_name: "A".into(),
                last_name: None,
                username: None,
                language_code: None,
            },
            event: Event::Photo {
                chat: ChatId(7),
                message: MessageId(id as i32),
                file,
                media_group: group.map(Into::into),
                caption: None,
            },
        }
    }

    #[tokio::test]
    async fn an_album_becomes_one_event_and_single_photos_pass() {
        let albums = Albums::default();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        assert!(albums.offer(photo(1, None), |_| {}).is_some(), "a single photo is handled at once");
        for id in 2..=6 {
            let tx = tx.clone();
            assert!(albums.offer(photo(id, Some("g1")), move |u| tx.send(u).unwrap()).is_none());
        }
        let album = tokio::time::timeout(WINDOW * 3, rx.recv()).await.unwrap().unwrap();
        match album.event {
            Event::Album { items, media_group, .. } => {
                assert_eq!(media_group, "g1");
                assert_eq!(items.iter().map(|i| i.message.0).collect::<Vec<_>>(), vec![2, 3, 4, 5, 6]);
            }
            other => panic!("expected an album, got {other:?}"),
        }
    }
}
