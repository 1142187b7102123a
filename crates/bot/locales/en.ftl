### Every word the bot says, in English. The same messages with the same variables as
### ru.ftl (the tests in src/texts/tests.rs check it); the comments on the messages are in ru.ftl.

## Dates and switches

month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec
on = on
off = off

## Menu and common

welcome =
    Hi, { $name }! I'm AISHA — I make images from a description.

    Write what you'd like to see and I'll draw it. Everything you make is kept in your gallery.

gift-first-image = 🎁 A gift from me: { $coins } { $coins ->
        [one] coin
       *[other] coins
    } — enough for your first image.

gift-coins = 🎁 A gift from me: { $coins } { $coins ->
        [one] coin
       *[other] coins
    } to start with.

menu =
    🏠 <b>Main menu</b>
    Balance: { $balance } { $balance ->
        [one] coin
       *[other] coins
    }

btn-create = 🎨 Create
btn-gallery = 🖼 My gallery
btn-balance = 💰 Balance: { $balance }
btn-settings = ⚙️ Settings
btn-help = ❓ Help
btn-menu = 🏠 Menu
btn-back = ◀️ Back
btn-cancel = ✖️ Cancel
unknown-text = I didn't get that. Pick something from the menu or send /help.
unknown-command = I don't know that command. Pick something from the menu or send /help.
outdated = This button is outdated — here is the current screen.
nothing-to-cancel = Nothing to cancel.
cancelled = Cancelled: { $action }.
error = Something went wrong on our side. Please try again in a minute — nothing was lost.

## Create

ask-prompt =
    ✏️ Describe in one message what to draw (3 to 2000 characters).

    For example: <i>a ginger cat in glasses reading a book, watercolour</i>

prompt-too-short = Too short: at least { $min } { $min ->
        [one] character
       *[other] characters
    }, please. Add some detail.
prompt-too-long = Too long: { $length } { $length ->
        [one] character
       *[other] characters
    }, the limit is { $max }. Please shorten it.
prompt-replaced = ✏️ I've replaced the description with the new one.
expect-button = 👇 { $step } — or send a new description and I'll use it instead.
expect-aspect = Pick a format with a button below
expect-count = Pick how many with a button below
expect-model = Pick a model with a button below
expect-confirm = To place the order, press «Create» below
expect-gender = 👇 Pick who is in the photos with a button below.

price-from = 💰 Price: from { $price } { $price ->
        [one] coin
       *[other] coins
    } per image · your balance is { $balance } { $balance ->
        [one] coin
       *[other] coins
    }

ask-aspect = 📐 Choose the format:
ask-count = 🔢 How many variants?
ask-model = ⚙️ Choose the model (the price is per image):

model-button = { $model } · { $price } { $price ->
        [one] coin
       *[other] coins
    }

model-gone = This model is no longer available. Choose another one:

confirm =
    <b>Check your order</b>

    { $prompt }

    Format: { $aspect } · Count: { $count } · Model: { $model }
    Price: <b>{ $price } { $price ->
        [one] coin
       *[other] coins
    }</b>
    Balance after: { $balance_after } { $balance_after ->
        [one] coin
       *[other] coins
    }

btn-confirm = ✅ Create for { $price } { $price ->
        [one] coin
       *[other] coins
    }

not-enough = Not enough coins: this costs { $price } { $price ->
        [one] coin
       *[other] coins
    }, your balance is { $balance } { $balance ->
        [one] coin
       *[other] coins
    }. Top up to continue.

btn-top-up = 💳 Top up
order-kept = I've kept your order: after paying, press «Continue the order» to get back to its confirmation.
btn-resume = ▶️ Continue the order
too-many = At most { $limit } { $limit ->
        [one] order
       *[other] orders
    } at a time. Please wait until one of them finishes.
status-pending = ⏳ Sending the order…
status-queued = ⏳ Queued{ $position }…
status-position = {""} — { $ahead } ahead of you
status-running = 🎨 Drawing…
btn-cancel-job = ✖️ Cancel
result = ✅ Done: { $delivered } of { $ordered }.

result-partial = Images that didn't work out: { $failed } — refunded { $coins } { $coins ->
        [one] coin
       *[other] coins
    }.

btn-improve = ✨ Improve the description

improved =
    ✨ Here is a suggestion:
    <i>{ $proposal }</i>

    Yours: <i>{ $prompt }</i>

btn-improve-take = ✅ Use this
btn-improve-keep = ↩️ Keep mine
improve-limit = ✨ That's all the improvements for today — keeping your description.
improve-down = ✨ I can't improve it right now — keeping yours.
improve-unusable = ✨ I couldn't suggest anything better — keeping your description.

photo-prompt-made =
    📷 A description from the photo:
    <i>{ $prompt }</i>

    You can replace it with your own: just type it at the next step.

photo-prompt-unreadable = 📷 I couldn't read that photo. Send it again, or type the description.
photo-prompt-type-instead = Please type the description instead.
command-start = Main menu
command-generate = Create an image
command-gallery = My gallery
command-avatars = My avatars
command-balance = Balance and top-up
command-settings = Settings
command-help = Help
command-cancel = Cancel the current action
command-paysupport = Help with payments
help-commands = Commands: { $commands }
grid-page = 🗂 Images { $first }–{ $last } of { $total }. Tap a number to open its card.
btn-grid-cards = 🖼 As cards
status-delivering = 📤 Images ready, sending…

result-balance = 💰 Balance: { $balance } { $balance ->
        [one] coin
       *[other] coins
    }.

btn-original = 📄 Original
btn-originals = 📄 Originals as files
original-caption = 📄 Uncompressed original: { $width }×{ $height }, { $size }.
original-too-big = This file is over 50 MB, more than Telegram lets me send.
unit-mb = MB
unit-kb = KB
decimal-point = .
btn-again = 🔁 Again
btn-edit-prompt = ✏️ Edit prompt
btn-favorite = ☆ { $number }
btn-unfavorite = ⭐ { $number }
fail-policy = 🚫 The service refused the description under its content rules.
fail-outage = ⚠️ The service is unavailable right now.
fail-params = ⚠️ The service refused the order: I built the request to it wrongly. We are looking into it.
fail-nsfw = 🚫 Every image was hidden by the safety filter.
fail-no-result = ⚠️ The service returned no result.
fail-timeout = ⌛ The service did not finish the order in time.
fail-cancelled = ✖️ The order was cancelled.
refunded = { $coins } { $coins ->
        [one] coin
       *[other] coins
    } returned to your balance.
job-cancelled = Cancelled, coins returned.
job-too-late = Too late to cancel — the images are almost ready.
job-cancel-requested = I asked the service to stop the training. If it stops in time, the coins come back.
job-ended = Already finished — nothing to cancel.
not-found = Not found.

## Gallery

caption = { $index } / { $total } · { $model } · { $aspect } · { $date }
gallery-empty = Your gallery is empty so far. Create your first image!
gallery-empty-filtered = Nothing matches these filters.
btn-filters = 🔍 Filters{ $marks }
btn-stats = 📊 Stats
btn-prompt = 📝 Prompt
btn-delete = 🗑 Delete
btn-reset = ♻️ Reset filters
btn-to-card = ◀️ Back to image

filters =
    🔍 <b>Filters</b>
    { $summary }

filter-none = Showing every image.
filter-type-all = All types
filter-type-prompt = 🎨 From a description
filter-type-avatar = 🎭 Photos with me
filter-favorites = ⭐ Favorites only
filter-avatar = 🎭 Avatar: { $avatar }
filter-avatar-all = any
filter-date = 📅 Period: { $period }
date-all = all time
date-today = today
date-yesterday = yesterday
date-week = 7 days
date-month = 30 days
date-custom = custom
ask-date-range = Type a period as DD.MM.YYYY-DD.MM.YYYY (366 days at most). For example: 01.11.2026-21.11.2026
bad-date-range = Couldn't read that period: { $reason } Format: DD.MM.YYYY-DD.MM.YYYY.
date-range-format = there is no such date, or it is written differently.
date-range-reversed = it ends before it starts.

date-range-too-long = it covers { $days } { $days ->
        [one] day
       *[other] days
    }, and at most { $max } are allowed.

confirm-delete = Delete this image? It cannot be restored.
btn-delete-yes = 🗑 Yes, delete
deleted = Deleted.

prompt-view =
    📝 <b>Prompt</b>

    { $prompt }

stats =
    📊 <b>Stats</b>

    Images: { $total }
    🎨 From a description: { $from_prompt }
    🎭 Photos with me: { $with_avatar }

stats-avatar =
    {""}
    {"   "}• { $avatar }: { $count }

favorited = Added to favorites
unfavorited = Removed from favorites

## Settings

settings =
    ⚙️ <b>Settings</b>

    Language: { $language }
    Timezone: { $timezone }
    Defaults: { $aspect }, { $count } { $count ->
        [one] image
       *[other] images
    }, { $model }
    Quick mode (no format, count or model questions): { $quick }

language-name = English
btn-language = 🇷🇺 Русский
btn-timezone = 🕒 Timezone
btn-defaults = 🎛 Defaults
btn-quick = ⚡ Quick mode: { $state }

choose-timezone =
    🕒 Choose a timezone, or type your city or offset (e.g. <code>Novosibirsk</code> or <code>UTC+5</code>).
    Now: { $current }

bad-timezone = I don't know the timezone { $zone }. Type a city (e.g. London) or an offset from UTC (e.g. UTC+1).

defaults =
    🎛 <b>Defaults</b>
    Format: { $aspect } · Count: { $count } · Model: { $model }

saved = Saved.

## Help

help =
    ❓ <b>Help</b>

    🎨 <b>Create</b> — an image from your description. Models and the price per image:
    { $models }
    Up to 4 variants at once, at most { $jobs } { $jobs ->
        [one] order
       *[other] orders
    } at a time.

    🎭 <b>Avatars</b> — a model trained on { $min_photos }–{ $max_photos } of your photos (training { $training } { $training ->
        [one] coin
       *[other] coins
    }), then «Photos with me»: any scene with you in it, { $photo_price } { $photo_price ->
        [one] coin
       *[other] coins
    } per image.

    🖼 <b>Gallery</b> — everything you made: browse, favorite, filter by type, avatar and date, delete.

    💰 <b>Balance</b> — coins are bought with Telegram Stars. If an order fails, its coins come back automatically.

## Balance

balance =
    💰 <b>Balance: { $balance } { $balance ->
        [one] coin
       *[other] coins
    }</b>

    { $history }

no-history = No transactions yet.
btn-older = Older ➡️
btn-newer = ⬅️ Newer
btn-promo = 🎟 Promo code
row-charge = { $amount } for images from a description ×{ $count }

help-model = • { $model } — { $price } { $price ->
        [one] coin
       *[other] coins
    }

row-training = { $amount } for avatar training
row-avatar-photos = { $amount } for photos with me ×{ $count }
row-refund = +{ $amount } refund
row-top-up = +{ $amount } Stars top-up ({ $stars } ⭐)
row-stars-refund = { $amount } Stars payment refunded
row-promo = +{ $amount } promo { $code }
row-welcome = +{ $amount } welcome gift
row-admin = { $amount } { $note }

top-up =
    💳 <b>Top up</b>
    Choose a package — you pay with Telegram Stars.

package = { $coins } { $coins ->
        [one] coin
       *[other] coins
    } — { $stars } ⭐

package-bonus = {""} (+{ $percent }%)
invoice-title = { $coins } AISHA { $coins ->
        [one] coin
       *[other] coins
    }

invoice-description = Adds { $coins } { $coins ->
        [one] coin
       *[other] coins
    } to your AISHA balance.

paid = ✅ Payment received: +{ $coins } { $coins ->
        [one] coin
       *[other] coins
    }. Balance: { $balance } { $balance ->
        [one] coin
       *[other] coins
    }.

paysupport =
    💬 <b>Help with a payment</b>

    { $how }

    { $payments }

    Stars can be refunded while the coins they bought are unspent.

ask-promo = 🎟 Enter a promo code:

promo-ok = 🎉 Promo code accepted: +{ $coins } { $coins ->
        [one] coin
       *[other] coins
    }. Balance: { $balance } { $balance ->
        [one] coin
       *[other] coins
    }.

promo-format = A promo code is 3 to 32 letters, digits, '-' or '_'.
promo-unknown = There is no such promo code.
promo-inactive = This promo code is switched off.
promo-not-yet = This promo code starts working on { $date }.
promo-expired = This promo code expired on { $date }.
promo-used-up = This promo code has been used up.
promo-already = You have already used this promo code.
promo-retry = Send another code or press Cancel.
pre-unknown = This invoice is unknown. Please open the top-up screen again.
pre-gone = This package is no longer on sale. Please open the top-up screen again.
pre-buyer = This invoice was made for another user.
pre-amount = The amount does not match the invoice.
pre-blocked = Payments are unavailable for this account.

## Operators

admin-stats =
    📈 <b>Stats</b>
    Users: { $users }
    Jobs: { $jobs }
    Coins: credited { $credited }, spent { $spent }, withdrawn { $withdrawn }
    Stars: { $payments } payments, { $stars } ⭐ received, { $refunded_stars } ⭐ refunded

admin-only = This command is for operators only.

## Avatars

btn-avatars = 🎭 My avatars
what-create = creating an image
what-with-me = making photos with me
what-date-range = entering a period
what-promo = entering a promo code
what-timezone = choosing a timezone
what-avatar-new = creating an avatar
what-upload = uploading avatar photos
what-train = starting a training
what-rename = renaming an avatar

avatars =
    🎭 <b>My avatars</b>

    { $list }

    Open an avatar to manage it.

avatars-empty =
    🎭 <b>My avatars</b>

    No avatars yet. An avatar is a model trained on { $min_photos }–{ $max_photos } of your photos: with it I put you into any scene. Training costs { $price } { $price ->
        [one] coin
       *[other] coins
    }.

avatar-line = { $number }. { $name }{ $main } — { $status }
main-mark = {""} 📌
status-draft = photos { $photos }/{ $min_photos }
status-training = training since { $since }
status-ready = ready
status-failed = training failed
btn-avatar-new = ➕ New avatar
btn-with-me = 📸 Photos with me
btn-avatars-back = ◀️ My avatars

ask-avatar-name =
    🎭 <b>New avatar</b>

    What shall we call it? 2 to 40 characters, any language — for example, your name.

avatar-name-length = The name must be { $min } to { $max } characters long; this one has { $length }. Try another.
avatar-name-line = The name must be a single line without special characters.
ask-gender = Who is in the photos for «{ $name }»? In every «Photos with me» order I will tell the model whether to draw a man or a woman.
btn-male = 👨 A man
btn-female = 👩 A woman
gender-male = a man
gender-female = a woman

upload =
    📤 <b>Photos for «{ $name }»</b>

    Send { $min_photos }–{ $max_photos } photos of yourself — as photos or as files (JPEG, PNG, WebP), one by one or in albums.
    • each up to { $max_mb } MB, the shorter side at least { $min_side } px;
    • your face clearly visible, different angles, backgrounds and light;
    • no other people, no sunglasses or heavy filters.

    { $progress }

progress-need = 📊 { $photos }/{ $min_photos } — { $missing } more needed
progress-enough = 📊 { $photos } photos — enough to train (up to { $max_photos } allowed)
progress-full = 📊 { $photos }/{ $max_photos } — that is the maximum
photo-added = ✅ Photo added.
photo-refused = ⚠️ Photo not added: { $reason }.
photos-received = 📥 Received: { $received }, added: { $added }.

photo-refused-line =
    {""}
    • #{ $number }{ $file }: { $reason }

photo-file-name = {""} ({ $file })
reason-too-big = larger than { $max_mb } MB
reason-too-small = too small — { $width }×{ $height } px, the shorter side must be at least { $min_side } px
reason-not-image = unsupported format — send JPEG, PNG or WebP
reason-duplicate = this photo is already there
reason-full = the avatar already has { $max_photos } photos, the maximum
reason-closed = the photos cannot be changed now
reason-download = could not download it from Telegram — please send it again
reason-save = could not save it — please send it again
upload-closed = The photos of «{ $name }» cannot be changed now: it is training or already trained.
photo-outside-upload = To add photos to an avatar, open it in «🎭 My avatars» and tap «Add photos».
btn-review = 👀 Review photos ({ $photos })

btn-train = 🚀 Train — { $price } { $price ->
        [one] coin
       *[other] coins
    }

btn-add-photos = 📤 Add photos
btn-avatar-card = ◀️ To the avatar

review =
    👀 <b>Photos of «{ $name }»</b>

    { $lines }

    Tap 🗑 with a number to remove that photo.

    { $progress }

review-line = { $number }. { $width }×{ $height } · { $format } · { $date }

review-empty =
    👀 <b>Photos of «{ $name }»</b>

    No photos yet.

    { $progress }

btn-remove-photo = 🗑 { $number }
btn-show-photos = 🖼 Show the photos
photo-removed = Photo removed
photo-number = #{ $number }

train-confirm =
    🚀 <b>Training «{ $name }»</b>

    Photos: { $photos }
    Price: <b>{ $price } { $price ->
        [one] coin
       *[other] coins
    }</b>
    Balance after: { $balance_after } { $balance_after ->
        [one] coin
       *[other] coins
    }

    Training takes about 5–20 minutes; I will message you when it is done. If it fails, the coins come back.

btn-train-yes = ✅ Train for { $price } { $price ->
        [one] coin
       *[other] coins
    }

train-not-enough-photos = Not enough photos: { $photos } of { $min_photos }.
train-already = This avatar is already training.
train-done-already = This avatar is already trained.
train-started-already = The training has already started.

training-status =
    🧠 <b>Training the avatar</b>
    { $state }
    Running for { $elapsed }

    It usually takes 5–20 minutes — I will message you when it is ready.

training-pending = Sending the photos…
training-queued = In the queue{ $position }…
training-running = Training…
training-cancelling = Cancellation requested — waiting for the service to confirm…

elapsed-minutes = { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }

elapsed-hours = { $hours } { $hours ->
        [one] hour
       *[other] hours
    } { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }

elapsed-whole-hours = { $hours } { $hours ->
        [one] hour
       *[other] hours
    }

training-ready =
    ✅ <b>Avatar «{ $name }» is ready!</b>

    Now I can put you into any scene: tap «Create photos» and describe the scene.

btn-create-photos = 📸 Create photos

training-failed =
    ❌ <b>Avatar «{ $name }»: training failed</b>
    { $reason }
    { $refunded }

training-cancelled =
    ✖️ <b>Avatar «{ $name }»: training cancelled</b>
    { $refunded }

avatar-fallback = avatar

avatar-card =
    🎭 <b>{ $name }</b>{ $main }

    Status: { $status }
    Photos: { $photos }
    In the photos: { $gender }

card-main = {""} · 📌 main
card-draft = collecting photos ({ $photos }/{ $min_photos })
card-training = training since { $since }, running for { $elapsed }
card-ready = ✅ ready
card-failed = ❌ training failed — you can change the photos and train again
btn-set-main = 📌 Make main
btn-rename = ✏️ Rename
btn-delete-avatar = 🗑 Delete
btn-cancel-training = ✖️ Cancel training
btn-refresh = 🔄 Refresh
main-set = Main avatar set
not-usable = Only a trained avatar can be the main one.
ask-rename = ✏️ A new name for «{ $name }» (2 to 40 characters):

confirm-avatar-delete =
    🗑 <b>Delete the avatar «{ $name }»?</b>

    Its photos ({ $photos }) and the trained model will be removed for good. Images you made with it stay in the gallery.

btn-delete-avatar-yes = 🗑 Yes, delete
avatar-deleted = 🗑 Avatar «{ $name }» deleted. Images made with it stay in the gallery.
avatar-busy = «{ $name }» is training right now — cancel the training first, then delete it.

with-me =
    📸 <b>Photos with me</b>
    Avatar: <b>{ $name }</b>
    { $price }

    ✏️ Describe a scene with you in it (3 to 2000 characters).

    For example: <i>in a spacesuit on Mars, cinematic light</i>

with-me-none = 📸 To make photos with you, first create an avatar and train it on your photos.
with-me-not-ready = This avatar is not trained yet.

confirm-with-me =
    <b>Check your order</b>

    🎭 Avatar: { $name }
    { $prompt }

    Format: { $aspect } · Count: { $count }
    Price: <b>{ $price } { $price ->
        [one] coin
       *[other] coins
    }</b> ({ $count } × { $unit_price })
    Balance after: { $balance_after } { $balance_after ->
        [one] coin
       *[other] coins
    }

choose-avatar-filter = 🎭 Choose an avatar:

upload-waiting =
    📤 I am waiting for photos for «{ $name }» — send them as photos or as files. /cancel stops.

    { $progress }

card-draft-ready = photos collected — ready to train
training-too-late = Too late to cancel — the training has just finished.

## Avatars, payment support, stats (issue 19)

row-admin-plain = { $amount } balance adjustment by support
support-contact = Write to support: { $contact }. Mention the payment number from the list below — it helps find it faster.
support-relay = Describe what happened in one message right here — I will pass it to support with the list of your payments, and they will get in touch with you.

support-payments =
    <b>Your recent payments</b>
    { $lines }

support-no-payments = No Stars payments yet.

support-payment-line =
    • { $date } · { $stars } ⭐ → { $coins } { $coins ->
        [one] coin
       *[other] coins
    }{ $refunded }
    {"  "}No. <code>{ $charge_id }</code>

support-refunded = {""} · refunded
btn-support-write = ✉️ Write to support
support-sent = ✉️ I passed your message to support — they will get in touch with you on Telegram.

support-to-operator =
    ✉️ <b>Payment question</b>
    From: { $name } (Telegram ID: <code>{ $telegram_id }</code>{ $username })

    { $question }

    { $payments }

support-username = , @{ $username }
what-support = a payment question

stats-tail =
    {""}
    ⭐ Favorites: { $favorites }
    📅 This month: { $this_month }
    💰 Spent: { $spent } { $spent ->
        [one] coin
       *[other] coins
    }

with-me-price = 💰 Price: { $price } { $price ->
        [one] coin
       *[other] coins
    } per image · balance { $balance } { $balance ->
        [one] coin
       *[other] coins
    }

elapsed-moment = less than a minute
support-text-only = I can pass only text to support — please describe what happened in words.

## styles and translation (issue 20)

btn-styles = 🎨 Styles
styles-with-me =
    🎨 <b>Styles</b>
    Pick a style and I will write the description myself.
styles-create =
    🎨 <b>Styles</b>
    Pick a style, then write who or what to draw.
styles-page = Page { $page } of { $pages }
btn-style-previews = 🖼 Examples
style-subject =
    Style «{ $style }».

    ✏️ Write who or what to draw — for example: <i>a ginger cat in a hat</i>.
btn-other-style = 🎨 Another style
confirm-sent =
    🌐 The model gets, in English:
    <code>{ $english }</code>
    To change it, send a new text.
btn-send-own = ↩️ Untranslated
translate-limit = 🌐 No translations left for today — your description goes as it is.
translate-down = 🌐 The description cannot be translated right now — it goes as it is.
translate-unusable = 🌐 The description could not be translated — it goes as it is.
settings-translate = Translate descriptions for photos with me: { $state }
btn-translate = 🌐 Translation: { $state }
