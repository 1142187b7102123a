### Every word the bot says, in Russian (the default language). en.ftl has the same
### messages with the same variables (the tests in src/texts/tests.rs check it). Arguments
### are named; callers escape user-supplied values (HTML) before passing them.

## Dates and switches

month-1 = янв
month-2 = фев
month-3 = мар
month-4 = апр
month-5 = мая
month-6 = июн
month-7 = июл
month-8 = авг
month-9 = сен
month-10 = окт
month-11 = ноя
month-12 = дек
on = вкл
off = выкл

## Menu and common

welcome =
    Привет, { $name }! Я AISHA — создаю изображения по описанию.

    Напишите, что хотите увидеть, и я нарисую. Все работы сохраняются в галерее.

# Under the welcome: the gift credited at registration, enough for a first image or not.
gift-first-image = 🎁 Мой подарок: { $coins } { $coins ->
        [one] монета
        [few] монеты
       *[many] монет
    } — хватит на первое изображение.

gift-coins = 🎁 Мой подарок: { $coins } { $coins ->
        [one] монета
        [few] монеты
       *[many] монет
    } для начала.

menu =
    🏠 <b>Главное меню</b>
    Баланс: { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }

btn-create = 🎨 Создать
btn-gallery = 🖼 Моя галерея
btn-balance = 💰 Баланс: { $balance }
btn-settings = ⚙️ Настройки
btn-help = ❓ Помощь
btn-menu = 🏠 Меню
btn-back = ◀️ Назад
btn-cancel = ✖️ Отмена
unknown-text = Не поняла сообщение. Выберите действие в меню или отправьте /help.
unknown-command = Такой команды я не знаю. Выберите действие в меню или отправьте /help.
outdated = Эта кнопка устарела — вот актуальный экран.
nothing-to-cancel = Отменять нечего.
cancelled = Отменено: { $action }.
error = У нас что-то сломалось. Попробуйте ещё раз через минуту — ничего не потерялось.

## Create

ask-prompt =
    ✏️ Опишите одним сообщением, что нарисовать (от 3 до 2000 символов).

    Например: <i>рыжий кот в очках читает книгу, акварель</i>

prompt-too-short = Слишком коротко: нужно хотя бы { $min } { $min ->
        [one] символ
        [few] символа
       *[many] символов
    }. Опишите подробнее.
prompt-too-long = Слишком длинно: { $length } { $length ->
        [one] символ
        [few] символа
       *[many] символов
    }, а можно не больше { $max }. Сократите описание.
# Text typed while Create waits for a button replaced the draft's description.
prompt-replaced = ✏️ Заменила описание на новое.
# Text typed while a button is expected: which one (`expect-*`).
expect-button = 👇 { $step } — или отправьте новое описание, и я заменю им прежнее.
expect-aspect = Выберите формат кнопкой под сообщением
expect-count = Выберите количество кнопкой под сообщением
expect-model = Выберите модель кнопкой под сообщением
expect-confirm = Чтобы запустить заказ, нажмите «Создать» под сообщением
expect-gender = 👇 Выберите кнопкой под сообщением, кто на фото.

# Create's price up front: the cheapest image and the balance.
price-from = 💰 Цена: от { $price } { $price ->
        [one] монеты
        [few] монет
       *[many] монет
    } за изображение · на балансе { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }

ask-aspect = 📐 Выберите формат изображения:
ask-count = 🔢 Сколько вариантов сделать?
ask-model = ⚙️ Выберите модель (цена — за одно изображение):

# A model button: its name and the price of one image (`ask-model` says "per image").
model-button = { $model } · { $price } { $price ->
        [one] монета
        [few] монеты
       *[many] монет
    }

# The draft's model was disabled or removed since it was chosen.
model-gone = Эта модель больше недоступна. Выберите другую:

confirm =
    <b>Проверьте заказ</b>

    { $prompt }

    Формат: { $aspect } · Количество: { $count } · Модель: { $model }
    Цена: <b>{ $price } { $price ->
        [one] монета
        [few] монеты
       *[many] монет
    }</b>
    Баланс после оплаты: { $balance_after } { $balance_after ->
        [one] монета
        [few] монеты
       *[many] монет
    }

btn-confirm = ✅ Создать за { $price } { $price ->
        [one] монету
        [few] монеты
       *[many] монет
    }

not-enough = Не хватает монет: это стоит { $price } { $price ->
        [one] монету
        [few] монеты
       *[many] монет
    }, а на балансе { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }. Пополните баланс — и продолжим.

btn-top-up = 💳 Пополнить
# Under "not enough coins" in Create: the draft waits for the top-up.
order-kept = Я сохранила заказ: после оплаты нажмите «Продолжить заказ» — и я снова покажу его для подтверждения.
# On the top-up receipt: back to the kept order.
btn-resume = ▶️ Продолжить заказ
too-many = Одновременно — не больше { $limit } { $limit ->
        [one] заказа
        [few] заказов
       *[many] заказов
    }. Дождитесь, пока один из текущих завершится.
status-pending = ⏳ Отправляю заказ…
status-queued = ⏳ В очереди{ $position }…
status-position = {""} — перед вами { $ahead }
status-running = 🎨 Рисую…
btn-cancel-job = ✖️ Отменить
result = ✅ Готово: { $delivered } из { $ordered }.

result-partial = Не получилось: { $failed } — вернула { $coins } { $coins ->
        [one] монету
        [few] монеты
       *[many] монет
    }.

btn-improve = ✨ Улучшить описание

# The assistant's rewrite, then the user's own.
improved =
    ✨ Предлагаю такое описание:
    <i>{ $proposal }</i>

    Ваше: <i>{ $prompt }</i>

btn-improve-take = ✅ Использовать
btn-improve-keep = ↩️ Оставить моё
improve-limit = ✨ На сегодня улучшения закончились — оставляю ваше описание.
improve-down = ✨ Сейчас не получается улучшить описание — оставляю ваше.
improve-unusable = ✨ Лучше предложить не получилось — оставляю ваше описание.

# The description the assistant made from a photo.
photo-prompt-made =
    📷 Описание по фото (на английском — так модель понимает точнее):
    <i>{ $prompt }</i>

    Можно заменить своим — просто напишите его на следующем шаге.

photo-prompt-unreadable = 📷 Не получилось прочитать фото. Отправьте его ещё раз или напишите описание словами.
photo-prompt-type-instead = Напишите описание словами.
# What each of `bot::COMMANDS` does, at the same place: Telegram's command menu.
command-start = Главное меню
command-generate = Создать изображение
command-gallery = Моя галерея
command-avatars = Мои аватары
command-balance = Баланс и пополнение
command-settings = Настройки
command-help = Помощь
command-cancel = Отменить текущее действие
command-paysupport = Помощь с оплатой
# The line of commands under the help.
help-commands = Команды: { $commands }
# First, last, total.
grid-page = 🗂 Изображения { $first }–{ $last } из { $total }. Нажмите номер, чтобы открыть карточку.
btn-grid-cards = 🖼 Карточками
# The status message once the provider finished and the images are on their way.
status-delivering = 📤 Изображения готовы, отправляю…

# The balance under a result.
result-balance = 💰 На балансе { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }.

btn-original = 📄 Оригинал
btn-originals = 📄 Оригиналы файлами
# Width, height, size.
original-caption = 📄 Оригинал без сжатия: { $width }×{ $height }, { $size }.
original-too-big = Файл больше 50 МБ — такие файлы Telegram не даёт мне отправлять.
unit-mb = МБ
unit-kb = КБ
decimal-point = ,
btn-again = 🔁 Ещё раз
btn-edit-prompt = ✏️ Изменить описание
btn-favorite = ☆ { $number }
btn-unfavorite = ⭐ { $number }
fail-policy = 🚫 Сервис отклонил описание: оно нарушает его правила.
fail-outage = ⚠️ Сервис сейчас недоступен.
fail-params = ⚠️ Сервис не принял заказ: я ошиблась, когда составляла запрос. Мы уже разбираемся.
fail-nsfw = 🚫 Все изображения скрыты фильтром безопасности.
fail-no-result = ⚠️ Результата от сервиса нет.
fail-timeout = ⌛ Сервис не успел выполнить заказ.
fail-cancelled = ✖️ Заказ отменён.

refunded = Вернула на баланс { $coins } { $coins ->
        [one] монету
        [few] монеты
       *[many] монет
    }.

job-cancelled = Отменила и вернула монеты.
job-too-late = Уже поздно отменять — изображения почти готовы.
job-cancel-requested = Попросила сервис остановить обучение. Если он успеет остановиться, монеты вернутся.
job-ended = Уже завершено — отменять нечего.
not-found = Не найдено.

## Gallery

caption = { $index } / { $total } · { $model } · { $aspect } · { $date }
gallery-empty = В галерее пока пусто. Создайте первое изображение!
gallery-empty-filtered = Под выбранные фильтры ничего не подходит.
btn-filters = 🔍 Фильтры{ $marks }
btn-stats = 📊 Статистика
btn-prompt = 📝 Описание
btn-delete = 🗑 Удалить
btn-reset = ♻️ Сбросить фильтры
btn-to-card = ◀️ К изображению

filters =
    🔍 <b>Фильтры</b>
    { $summary }

filter-none = Показываются все изображения.
filter-type-all = Все типы
filter-type-prompt = 🎨 По описанию
filter-type-avatar = 🎭 Фото со мной
filter-favorites = ⭐ Только избранное
filter-avatar = 🎭 Аватар: { $avatar }
filter-avatar-all = любой
filter-date = 📅 Период: { $period }
date-all = за всё время
date-today = сегодня
date-yesterday = вчера
date-week = 7 дней
date-month = 30 дней
date-custom = свой период
ask-date-range = Напишите период в формате ДД.ММ.ГГГГ-ДД.ММ.ГГГГ (не больше 366 дней). Например: 01.11.2026-21.11.2026
bad-date-range = Не получилось разобрать период: { $reason } Формат: ДД.ММ.ГГГГ-ДД.ММ.ГГГГ.
# Why a typed period was refused: not in the format, ends before it starts, too long.
date-range-format = такой даты нет, или она записана иначе.
date-range-reversed = конец раньше начала.

date-range-too-long = в нём { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    }, а можно не больше { $max }.

confirm-delete = Удалить это изображение? Его нельзя будет восстановить.
btn-delete-yes = 🗑 Да, удалить
deleted = Удалено.

prompt-view =
    📝 <b>Описание</b>

    { $prompt }

# The gallery stats down to the avatar photos; `stats-avatar` lines, then `stats-tail`.
stats =
    📊 <b>Статистика</b>

    Всего изображений: { $total }
    🎨 По описанию: { $from_prompt }
    🎭 Фото со мной: { $with_avatar }

stats-avatar =
    {""}
    {"   "}• { $avatar }: { $count }

favorited = Добавлено в избранное
unfavorited = Убрано из избранного

## Settings

settings =
    ⚙️ <b>Настройки</b>

    Язык: { $language }
    Часовой пояс: { $timezone }
    По умолчанию: { $aspect }, { $count } { $count ->
        [one] изображение
        [few] изображения
       *[many] изображений
    }, { $model }
    Быстрый режим (без выбора формата, количества и модели): { $quick }

language-name = русский
btn-language = 🇬🇧 English
btn-timezone = 🕒 Часовой пояс
btn-defaults = 🎛 Параметры по умолчанию
btn-quick = ⚡ Быстрый режим: { $state }

choose-timezone =
    🕒 Выберите часовой пояс или напишите город либо смещение от UTC (например, <code>Новосибирск</code> или <code>UTC+5</code>).
    Сейчас: { $current }

bad-timezone = Не знаю такого часового пояса: { $zone }. Напишите город (например, Москва) или смещение от UTC (например, UTC+3).

defaults =
    🎛 <b>Параметры по умолчанию</b>
    Формат: { $aspect } · Количество: { $count } · Модель: { $model }

saved = Сохранено.

## Help

help =
    ❓ <b>Помощь</b>

    🎨 <b>Создать</b> — изображение по вашему описанию. Модели и цена за одно изображение:
    { $models }
    До 4 вариантов за раз, не больше { $jobs } { $jobs ->
        [one] заказа
        [few] заказов
       *[many] заказов
    } одновременно.

    🎭 <b>Аватары</b> — модель, обученная на { $min_photos }–{ $max_photos } ваших фото (обучение — { $training } { $training ->
        [one] монета
        [few] монеты
       *[many] монет
    }), и «Фото со мной»: любая сцена с вами, { $photo_price } { $photo_price ->
        [one] монета
        [few] монеты
       *[many] монет
    } за изображение.

    🖼 <b>Галерея</b> — все ваши работы: листайте, добавляйте в избранное, фильтруйте по типу, аватару и дате, удаляйте.

    💰 <b>Баланс</b> — монеты покупаются за звёзды Telegram. Если заказ не выполнен, монеты возвращаются автоматически.

## Balance

balance =
    💰 <b>Баланс: { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }</b>

    { $history }

no-history = Операций пока нет.
btn-older = Старые ➡️
btn-newer = ⬅️ Новые
btn-promo = 🎟 Промокод
row-charge = { $amount } за изображения по описанию ×{ $count }

# One model in the help: name and price per image.
help-model = • { $model } — { $price } { $price ->
        [one] монета
        [few] монеты
       *[many] монет
    }

row-training = { $amount } за обучение аватара
row-avatar-photos = { $amount } за фото со мной ×{ $count }
row-refund = +{ $amount } возврат
row-top-up = +{ $amount } пополнение ({ $stars } ⭐)
row-stars-refund = { $amount } возврат звёзд
row-promo = +{ $amount } промокод { $code }
row-welcome = +{ $amount } приветственный подарок
row-admin = { $amount } { $note }

top-up =
    💳 <b>Пополнение</b>
    Выберите пакет — оплата звёздами Telegram.

package = { $coins } { $coins ->
        [one] монета
        [few] монеты
       *[many] монет
    } — { $stars } ⭐

package-bonus = {""} (+{ $percent }%)
invoice-title = { $coins } { $coins ->
        [one] монета
        [few] монеты
       *[many] монет
    } AISHA
invoice-description = Пополнение баланса AISHA на { $coins } { $coins ->
        [one] монету
        [few] монеты
       *[many] монет
    }.

paid = ✅ Оплата прошла: +{ $coins } { $coins ->
        [one] монета
        [few] монеты
       *[many] монет
    }. Баланс: { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }.

# /paysupport: how to reach support, then the recent payments.
paysupport =
    💬 <b>Помощь с оплатой</b>

    { $how }

    { $payments }

    Звёзды можно вернуть, пока купленные за них монеты не потрачены.

ask-promo = 🎟 Введите промокод:

promo-ok = 🎉 Промокод принят: +{ $coins } { $coins ->
        [one] монета
        [few] монеты
       *[many] монет
    }. Баланс: { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }.

promo-format = Промокод — от 3 до 32 букв, цифр, «-» или «_».
promo-unknown = Такого промокода нет.
promo-inactive = Этот промокод отключён.
promo-not-yet = Промокод начнёт действовать { $date }.
promo-expired = Срок действия промокода истёк { $date }.
promo-used-up = У этого промокода закончились активации.
promo-already = Вы уже использовали этот промокод.
# Under a refusal: another code, or Cancel.
promo-retry = Отправьте другой промокод или нажмите «Отмена».
pre-unknown = Этот счёт не найден. Откройте пополнение заново.
pre-gone = Этот пакет больше не продаётся. Откройте пополнение заново.
pre-buyer = Этот счёт выписан другому пользователю.
pre-amount = Сумма не совпадает со счётом.
pre-blocked = Оплата недоступна для этого аккаунта.

## Operators

admin-stats =
    📈 <b>Статистика</b>
    Пользователей: { $users }
    Задания: { $jobs }
    Монеты: начислено { $credited }, потрачено { $spent }, списано { $withdrawn }
    Звёзды: платежей { $payments }, получено { $stars } ⭐, возвращено { $refunded_stars } ⭐

admin-only = Команда доступна только операторам.

## Avatars

btn-avatars = 🎭 Мои аватары
what-create = создание изображения
what-with-me = создание фото со мной
what-date-range = ввод периода
what-promo = ввод промокода
what-timezone = выбор часового пояса
what-avatar-new = создание аватара
what-upload = загрузка фото для аватара
what-train = запуск обучения
what-rename = переименование аватара

avatars =
    🎭 <b>Мои аватары</b>

    { $list }

    Откройте аватар, чтобы управлять им.

avatars-empty =
    🎭 <b>Мои аватары</b>

    Аватаров пока нет. Аватар — это модель, обученная на { $min_photos }–{ $max_photos } ваших фото: с ней я помещу вас в любую сцену. Обучение стоит { $price } { $price ->
        [one] монету
        [few] монеты
       *[many] монет
    }.

avatar-line = { $number }. { $name }{ $main } — { $status }
main-mark = {""} 📌
status-draft = фото { $photos }/{ $min_photos }
status-training = обучается с { $since }
status-ready = готов
status-failed = обучение не удалось
btn-avatar-new = ➕ Новый аватар
btn-with-me = 📸 Фото со мной
btn-avatars-back = ◀️ Мои аватары

ask-avatar-name =
    🎭 <b>Новый аватар</b>

    Как его назвать? От 2 до 40 символов на любом языке — например, ваше имя.

avatar-name-length = Имя должно быть от { $min } до { $max } символов, а в этом { $length } { $length ->
        [one] символ
        [few] символа
       *[many] символов
    }. Попробуйте другое.
avatar-name-line = Имя должно быть одной строкой без служебных символов.
ask-gender = Кто на фото для «{ $name }»? В каждом заказе «Фото со мной» я подскажу модели, кого рисовать: мужчину или женщину.
btn-male = 👨 Мужчина
btn-female = 👩 Женщина
gender-male = мужчина
gender-female = женщина

upload =
    📤 <b>Фото для «{ $name }»</b>

    Отправьте { $min_photos }–{ $max_photos } своих фото — обычными фото или файлами (JPEG, PNG, WebP), по одному или альбомами.
    • каждое до { $max_mb } МБ, короткая сторона не меньше { $min_side } { $min_side ->
        [one] пикселя
        [few] пикселей
       *[many] пикселей
    };
    • лицо хорошо видно, разные ракурсы, фоны и освещение;
    • без других людей, тёмных очков и сильных фильтров.

    { $progress }

progress-need = 📊 { $photos }/{ $min_photos } — нужно ещё { $missing }
progress-enough = 📊 Фото: { $photos } — достаточно для обучения (можно до { $max_photos })
progress-full = 📊 { $photos }/{ $max_photos } — это максимум
photo-added = ✅ Фото добавлено.
photo-refused = ⚠️ Фото не добавлено: { $reason }.
photos-received = 📥 Получено: { $received }, добавлено: { $added }.

photo-refused-line =
    {""}
    • №{ $number }{ $file }: { $reason }

photo-file-name = {""} ({ $file })
reason-too-big = больше { $max_mb } МБ

reason-too-small = слишком маленькое — { $width }×{ $height }, короткая сторона должна быть не меньше { $min_side } { $min_side ->
        [one] пикселя
        [few] пикселей
       *[many] пикселей
    }

reason-not-image = формат не подходит — нужен JPEG, PNG или WebP
reason-duplicate = такое фото уже есть
reason-full = у аватара уже { $max_photos } фото — это максимум
reason-closed = фото сейчас нельзя менять
reason-download = не удалось скачать из Telegram — отправьте ещё раз
reason-save = не удалось сохранить — отправьте ещё раз
upload-closed = Фото «{ $name }» сейчас нельзя менять: аватар обучается или уже обучен.
photo-outside-upload = Чтобы добавить фото в аватар, откройте его в «🎭 Мои аватары» и нажмите «Добавить фото».
btn-review = 👀 Проверить фото ({ $photos })

btn-train = 🚀 Обучить — { $price } { $price ->
        [one] монета
        [few] монеты
       *[many] монет
    }

btn-add-photos = 📤 Добавить фото
btn-avatar-card = ◀️ К аватару

review =
    👀 <b>Фото «{ $name }»</b>

    { $lines }

    Нажмите 🗑 с номером, чтобы убрать фото.

    { $progress }

review-line = { $number }. { $width }×{ $height } · { $format } · { $date }

review-empty =
    👀 <b>Фото «{ $name }»</b>

    Фото пока нет.

    { $progress }

btn-remove-photo = 🗑 { $number }
btn-show-photos = 🖼 Показать фото
photo-removed = Фото убрано
photo-number = №{ $number }

train-confirm =
    🚀 <b>Обучение «{ $name }»</b>

    Фото: { $photos }
    Цена: <b>{ $price } { $price ->
        [one] монета
        [few] монеты
       *[many] монет
    }</b>
    Баланс после оплаты: { $balance_after } { $balance_after ->
        [one] монета
        [few] монеты
       *[many] монет
    }

    Обучение займёт примерно 5–20 минут — я напишу, когда всё будет готово. Если не получится, монеты вернутся.

btn-train-yes = ✅ Обучить за { $price } { $price ->
        [one] монету
        [few] монеты
       *[many] монет
    }

train-not-enough-photos = Мало фото: { $photos } из { $min_photos }.
train-already = Этот аватар уже обучается.
train-done-already = Этот аватар уже обучен.
train-started-already = Обучение уже запущено.

training-status =
    🧠 <b>Обучение аватара</b>
    { $state }
    Идёт уже { $elapsed }

    Обычно это 5–20 минут — я напишу, когда аватар будет готов.

training-pending = Отправляю фото…
training-queued = В очереди{ $position }…
training-running = Обучается…
training-cancelling = Отмена запрошена — жду подтверждения от сервиса…

elapsed-minutes = { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
       *[many] минут
    }

elapsed-hours = { $hours } { $hours ->
        [one] час
        [few] часа
       *[many] часов
    } { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
       *[many] минут
    }

# Exactly N hours (no "0 минут").
elapsed-whole-hours = { $hours } { $hours ->
        [one] час
        [few] часа
       *[many] часов
    }

training-ready =
    ✅ <b>Аватар «{ $name }» готов!</b>

    Теперь я могу поместить вас в любую сцену: нажмите «Создать фото» и опишите её.

btn-create-photos = 📸 Создать фото

training-failed =
    ❌ <b>Аватар «{ $name }»: обучение не удалось</b>
    { $reason }
    { $refunded }

training-cancelled =
    ✖️ <b>Аватар «{ $name }»: обучение отменено</b>
    { $refunded }

avatar-fallback = аватар

avatar-card =
    🎭 <b>{ $name }</b>{ $main }

    Статус: { $status }
    Фото: { $photos }
    На фото: { $gender }

card-main = {""} · 📌 основной
card-draft = сбор фото ({ $photos }/{ $min_photos })
card-training = обучается с { $since }, идёт уже { $elapsed }
card-ready = ✅ готов
card-failed = ❌ обучение не удалось — можно поменять фото и обучить снова
btn-set-main = 📌 Сделать основным
btn-rename = ✏️ Переименовать
btn-delete-avatar = 🗑 Удалить
btn-cancel-training = ✖️ Отменить обучение
btn-refresh = 🔄 Обновить
main-set = Основной аватар выбран
not-usable = Основным может быть только обученный аватар.
ask-rename = ✏️ Новое имя для «{ $name }» (от 2 до 40 символов):

confirm-avatar-delete =
    🗑 <b>Удалить аватар «{ $name }»?</b>

    Его фото ({ $photos }) и обученная модель будут удалены навсегда. Изображения, созданные с ним, останутся в галерее.

btn-delete-avatar-yes = 🗑 Да, удалить
avatar-deleted = 🗑 Аватар «{ $name }» удалён. Изображения с ним остались в галерее.
avatar-busy = «{ $name }» сейчас обучается — сначала отмените обучение, потом удаляйте.

# The avatar's name, then `with-me-price`.
with-me =
    📸 <b>Фото со мной</b>
    Аватар: <b>{ $name }</b>
    { $price }

    ✏️ Опишите сцену, в которой окажетесь вы (от 3 до 2000 символов).

    Например: <i>в скафандре на Марсе, кинематографичный свет</i>

with-me-none = 📸 Чтобы делать фото с вами, сначала создайте аватар и обучите его на ваших фото.
with-me-not-ready = Этот аватар ещё не обучен.

confirm-with-me =
    <b>Проверьте заказ</b>

    🎭 Аватар: { $name }
    { $prompt }

    Формат: { $aspect } · Количество: { $count }
    Цена: <b>{ $price } { $price ->
        [one] монета
        [few] монеты
       *[many] монет
    }</b> ({ $count } × { $unit_price })
    Баланс после оплаты: { $balance_after } { $balance_after ->
        [one] монета
        [few] монеты
       *[many] монет
    }

choose-avatar-filter = 🎭 Выберите аватар:

upload-waiting =
    📤 Жду фото для «{ $name }» — отправьте их обычными фото или файлами. /cancel — прекратить.

    { $progress }

card-draft-ready = фото собраны — можно обучать
training-too-late = Уже поздно отменять — обучение только что завершилось.

## Avatars, payment support, stats (issue 19)

# A balance row of an operator's change that has no note for the user.
row-admin-plain = { $amount } корректировка от поддержки
# /paysupport with a configured support contact.
support-contact = Напишите в поддержку: { $contact }. Укажите номер платежа из списка ниже — так его найдут быстрее.
# /paysupport without one: the next message goes to the operators.
support-relay = Опишите, что случилось, одним сообщением прямо здесь — я передам его в поддержку вместе со списком ваших платежей, и с вами свяжутся.

support-payments =
    <b>Ваши последние платежи</b>
    { $lines }

support-no-payments = Платежей звёздами пока не было.

# One payment: date, stars, coins, refunded mark, charge id.
support-payment-line =
    • { $date } · { $stars } ⭐ → { $coins } { $coins ->
        [one] монета
        [few] монеты
       *[many] монет
    }{ $refunded }
    {"  "}№ <code>{ $charge_id }</code>

support-refunded = {""} · возвращён
btn-support-write = ✉️ Написать в поддержку
# The user's message was passed to the operators.
support-sent = ✉️ Передала ваше сообщение в поддержку — с вами свяжутся в Telegram.

# What the operators get: who (name, Telegram id, username), the message, the payments.
support-to-operator =
    ✉️ <b>Вопрос об оплате</b>
    От: { $name } (ID в Telegram: <code>{ $telegram_id }</code>{ $username })

    { $question }

    { $payments }

support-username = , @{ $username }
what-support = вопрос об оплате

# The gallery stats after the per-avatar lines: favorites, this month, spent.
stats-tail =
    {""}
    ⭐ В избранном: { $favorites }
    📅 В этом месяце: { $this_month }
    💰 Потрачено: { $spent } { $spent ->
        [one] монета
        [few] монеты
       *[many] монет
    }

# Photos with me: the price of one image and the balance.
with-me-price = 💰 Цена: { $price } { $price ->
        [one] монета
        [few] монеты
       *[many] монет
    } за изображение · на балансе { $balance } { $balance ->
        [one] монета
        [few] монеты
       *[many] монет
    }

# A training that started less than a minute ago.
elapsed-moment = меньше минуты
# A photo sent as the payment question: words are what reach the operators.
support-text-only = В поддержку я могу передать только текст — опишите, что случилось, словами.

## styles and translation (issue 20)

# The button at the description step that opens the styles.
btn-styles = 🎨 Стили
# The styles of photos with an avatar: one tap makes the order.
styles-with-me =
    🎨 <b>Стили</b>
    Выберите стиль — описание я составлю сама.
# The styles of Create: the subject is asked next.
styles-create =
    🎨 <b>Стили</b>
    Выберите стиль, а потом напишите, кого или что изобразить.
# Under the styles when there are several pages.
styles-page = Страница { $page } из { $pages }
# Sends the previews of the page's styles.
btn-style-previews = 🖼 Примеры
# Create after a style: its name; the next message is the subject.
style-subject =
    Стиль «{ $style }».

    ✏️ Напишите, кого или что изобразить — например: <i>рыжий кот в шляпе</i>.
# Back to the styles from the subject question.
btn-other-style = 🎨 Другой стиль
# Photos with an avatar: the translation that will be sent, under the confirmation.
confirm-sent =
    🌐 Модель получит по-английски:
    <code>{ $english }</code>
    Чтобы исправить, пришлите новый текст.
# Send the user's own words instead of the translation.
btn-send-own = ↩️ Без перевода
# Why the description was not translated: the daily allowance.
translate-limit = 🌐 Переводы на сегодня закончились — отправлю ваше описание как есть.
# The assistant is down or off.
translate-down = 🌐 Сейчас не получается перевести описание — отправлю его как есть.
# The assistant answered nothing usable.
translate-unusable = 🌐 Перевести описание не получилось — отправлю его как есть.
# A line of the settings.
settings-translate = Перевод описаний для фото со мной: { $state }
# The settings button: the current state.
btn-translate = 🌐 Перевод описаний: { $state }
