//! The order kept while the user tops up: a draft the balance did not cover waits in the
//! session store (`SessionKey::order`) for the receipt's «Продолжить заказ».

use super::noted;
use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Draft;
use crate::io::MessageId;
use crate::texts::tr;
use aisha_domain::ports::StoreError;
use aisha_domain::session::{self, SessionKey};

impl Bot {
    async fn keep_order(&self, cx: &Ctx, draft: &Draft) -> Result<(), StoreError> {
        let key = SessionKey::order(cx.user.id);
        self.sessions.put(&key, session::encode(draft), self.config.dialogue_ttl).await
    }

    pub(crate) async fn kept_order(&self, user: aisha_domain::UserId) -> Result<Option<Draft>, StoreError> {
        let key = SessionKey::order(user);
        Ok(self.sessions.get(&key).await?.and_then(|raw| session::decode(&key, &raw)))
    }

    pub(crate) async fn drop_kept_order(&self, cx: &Ctx) -> Result<(), StoreError> {
        self.sessions.delete(&SessionKey::order(cx.user.id)).await
    }

    /// Too few coins for a complete draft: the draft is kept for after the top-up.
    pub(super) async fn not_enough(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        draft: &Draft,
        price: aisha_domain::Coins,
        balance: aisha_domain::Coins,
        note: Option<String>,
    ) -> Result<(), StoreError> {
        self.keep_order(cx, draft).await?;
        let t = cx.t;
        let text = format!("{}\n\n{}", tr!(t, "not-enough", price = &price, balance = &balance), tr!(t, "order-kept"));
        let keyboard =
            vec![vec![button(tr!(t, "btn-top-up"), Cb::TopUp)], vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]];
        cx.edit_or_send(message, noted(note, text), Some(keyboard));
        Ok(())
    }
}
