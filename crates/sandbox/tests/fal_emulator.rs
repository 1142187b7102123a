//! The FAL emulator over plain HTTP: the queue protocol, validation, cancel, storage, faults
//! and signed webhooks, as a FAL client would see them.

use aisha_sandbox::fal::{FalEmulator, Fault, Knobs, Order, Phase, WebhookKnobs};
use axum::http::HeaderMap;
use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "Key test-key";

async fn emulator(knobs: Knobs) -> (FalEmulator, reqwest::Client) {
    (FalEmulator::start_with(knobs).await.unwrap(), reqwest::Client::new())
}

fn instant() -> Knobs {
    Knobs { queue_ms: 0, run_ms: 0, ..Knobs::default() }
}

async fn submit(http: &reqwest::Client, emu: &FalEmulator, model: &str, input: Value) -> (u16, Value) {
    let r = http.post(format!("{}/{model}", emu.url())).header("authorization", KEY).json(&input).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = http.get(url).header("authorization", KEY).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn wait_completed(http: &reqwest::Client, status_url: &str) -> Value {
    for _ in 0..1000 {
        let (code, body) = get(http, status_url).await;
        if body["status"] == "COMPLETED" {
            assert_eq!(code, 200);
            return body;
        }
        assert_eq!(code, 202, "{body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never completed");
}

async fn download(http: &reqwest::Client, url: &str) -> Vec<u8> {
    let r = http.get(url).send().await.unwrap();
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_job_moves_through_the_queue_and_serves_real_pictures() {
    let (emu, http) = emulator(Knobs { queue_ms: 400, run_ms: 1500, ..Knobs::default() }).await;
    let input = json!({"prompt": "a fox", "aspect_ratio": "3:4", "num_images": 2, "output_format": "jpeg", "seed": 5});
    let (code, first) = submit(&http, &emu, "fal-ai/imagen4/preview", input.clone()).await;
    assert_eq!(code, 200);
    assert_eq!(first["status"], "IN_QUEUE");
    let (_, second) = submit(&http, &emu, "fal-ai/imagen4/preview", input).await;
    assert_eq!(second["queue_position"], 1, "one job ahead");
    let status_url = first["status_url"].as_str().unwrap();
    assert!(status_url.contains("/fal-ai/imagen4/requests/"), "owner/app only: {status_url}");

    let (code, body) = get(&http, status_url).await;
    assert_eq!((code, body["status"].as_str()), (202, Some("IN_QUEUE")));
    tokio::time::sleep(Duration::from_millis(450)).await;
    let (code, body) = get(&http, status_url).await;
    assert_eq!((code, body["status"].as_str()), (202, Some("IN_PROGRESS")));
    assert_eq!(get(&http, first["response_url"].as_str().unwrap()).await.0, 400, "no result before it completes");
    wait_completed(&http, status_url).await;

    let (code, result) = get(&http, first["response_url"].as_str().unwrap()).await;
    assert_eq!(code, 200);
    let images = result["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    let bytes = download(&http, images[0]["url"].as_str().unwrap()).await;
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (896, 1280));
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "JPEG as asked");
    let (_, again) = get(&http, second["response_url"].as_str().unwrap()).await;
    assert_eq!(download(&http, again["images"][0]["url"].as_str().unwrap()).await, bytes, "same prompt and seed");
    assert_ne!(download(&http, images[1]["url"].as_str().unwrap()).await, bytes, "each image differs");
}

#[tokio::test]
async fn flux_presets_and_imagen_ratios_give_their_sizes() {
    let (emu, http) = emulator(instant()).await;
    for (preset, size) in [("portrait_4_3", (768, 1024)), ("portrait_16_9", (576, 1024)), ("square_hd", (1024, 1024))] {
        let input =
            json!({"prompt": "me", "loras": [{"path": "https://x/l.safetensors", "scale": 1.0}], "image_size": preset});
        let (_, sub) = submit(&http, &emu, "fal-ai/flux-lora", input).await;
        wait_completed(&http, sub["status_url"].as_str().unwrap()).await;
        let (_, out) = get(&http, sub["response_url"].as_str().unwrap()).await;
        assert_eq!(out["has_nsfw_concepts"], json!([false]));
        let img = image::load_from_memory(&download(&http, out["images"][0]["url"].as_str().unwrap()).await).unwrap();
        assert_eq!((img.width(), img.height()), size, "{preset}");
    }
    let (_, sub) =
        submit(&http, &emu, "fal-ai/imagen4/preview/fast", json!({"prompt": "xyz", "aspect_ratio": "16:9"})).await;
    wait_completed(&http, sub["status_url"].as_str().unwrap()).await;
    let (_, out) = get(&http, sub["response_url"].as_str().unwrap()).await;
    assert!(out.get("seed").is_none() && out["description"].is_string(), "the newer Imagen schema");
    let bytes = download(&http, out["images"][0]["url"].as_str().unwrap()).await;
    assert_eq!(&bytes[..4], b"\x89PNG", "Imagen's default format");
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (1408, 768));
}

#[tokio::test]
async fn requests_are_validated_like_fal_does() {
    let (emu, http) = emulator(instant()).await;
    let (code, body) = submit(&http, &emu, "fal-ai/imagen4/preview", json!({"aspect_ratio": "1:1"})).await;
    assert_eq!(code, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["body", "prompt"]));
    let (code, body) = submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x", "num_images": 5})).await;
    assert_eq!((code, body["detail"][0]["loc"][1].as_str()), (422, Some("num_images")));
    let (code, body) =
        submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x", "image_size": "portrait_3_4"})).await;
    assert_eq!((code, body["detail"][0]["loc"][1].as_str()), (422, Some("image_size")));
    let (code, body) = submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x", "loras": [{"scale": 1}]})).await;
    assert_eq!((code, &body["detail"][0]["loc"]), (422, &json!(["body", "loras", 0, "path"])));
    assert_eq!(submit(&http, &emu, "fal-ai/nothing-here", json!({"prompt": "x"})).await.0, 404);
    let anonymous =
        http.post(format!("{}/fal-ai/flux-lora", emu.url())).json(&json!({"prompt": "x"})).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    emu.update(|k| k.api_key = Some("right".into()));
    assert_eq!(submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x"})).await.0, 401, "wrong key");

    // the full model path is not where a request lives
    emu.update(|k| k.api_key = None);
    let (_, sub) = submit(&http, &emu, "fal-ai/imagen4/preview/fast", json!({"prompt": "xyz"})).await;
    let id = sub["request_id"].as_str().unwrap();
    let wrong = format!("{}/fal-ai/imagen4/preview/fast/requests/{id}/status", emu.url());
    assert_eq!(get(&http, &wrong).await.0, 404);
}

#[tokio::test]
async fn cancel_answers_by_phase() {
    let (emu, http) = emulator(Knobs { queue_ms: 10_000, ..Knobs::default() }).await;
    let (_, sub) = submit(&http, &emu, "fal-ai/imagen4/preview", json!({"prompt": "xyz"})).await;
    let cancel = sub["cancel_url"].as_str().unwrap();
    let r = http.put(cancel).header("authorization", KEY).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "CANCELLATION_REQUESTED");
    let status = wait_completed(&http, sub["status_url"].as_str().unwrap()).await;
    assert!(status["error"].is_string(), "{status}");
    assert_eq!(get(&http, sub["response_url"].as_str().unwrap()).await.0, 400);
    let r = http.put(cancel).header("authorization", KEY).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ALREADY_COMPLETED");
    let unknown = cancel.replace(sub["request_id"].as_str().unwrap(), "no-such-id");
    assert_eq!(http.put(unknown).header("authorization", KEY).send().await.unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn uploads_feed_trainings_that_return_a_lora() {
    let (emu, http) = emulator(instant()).await;
    let init = |name: &'static str| {
        http.post(format!("{}/storage/upload/initiate?storage_type=fal-cdn-v3", emu.url()))
            .header("authorization", KEY)
            .json(&json!({"file_name": name, "content_type": "application/zip"}))
            .send()
    };
    let target: Value = init("photos.zip").await.unwrap().json().await.unwrap();
    let zip = b"PK\x03\x04 pretend this is a zip".to_vec();
    let put = http.put(target["upload_url"].as_str().unwrap()).body(zip.clone()).send().await.unwrap();
    assert!(put.status().is_success());
    let file_url = target["file_url"].as_str().unwrap();
    assert_eq!(download(&http, file_url).await, zip);
    // a real training set (10–20 phone photos) is tens of megabytes
    let big: Value = init("big.zip").await.unwrap().json().await.unwrap();
    let mut big_zip = b"PK\x03\x04".to_vec();
    big_zip.resize(24 * 1024 * 1024, 7);
    let put = http.put(big["upload_url"].as_str().unwrap()).body(big_zip).send().await.unwrap();
    assert!(put.status().is_success(), "a 24 MB upload: {}", put.status());

    let (_, sub) = submit(
        &http,
        &emu,
        "fal-ai/flux-lora-fast-training",
        json!({"images_data_url": file_url, "trigger_word": "TOK"}),
    )
    .await;
    wait_completed(&http, sub["status_url"].as_str().unwrap()).await;
    let (code, out) = get(&http, sub["response_url"].as_str().unwrap()).await;
    assert_eq!(code, 200);
    let lora = download(&http, out["diffusers_lora_file"]["url"].as_str().unwrap()).await;
    let header_len = u64::from_le_bytes(lora[..8].try_into().unwrap()) as usize;
    assert_eq!(lora.len(), 8 + header_len, "a well-formed safetensors file");
    assert!(out["config_file"]["url"].is_string());

    let not_zip: Value = init("photos.zip").await.unwrap().json().await.unwrap();
    http.put(not_zip["upload_url"].as_str().unwrap()).body("plain text").send().await.unwrap();
    let input = json!({"images_data_url": not_zip["file_url"], "trigger_phrase": "TOK"});
    let (_, sub) = submit(&http, &emu, "fal-ai/flux-lora-portrait-trainer", input).await;
    wait_completed(&http, sub["status_url"].as_str().unwrap()).await;
    let (code, out) = get(&http, sub["response_url"].as_str().unwrap()).await;
    assert_eq!((code, out["detail"][0]["loc"][1].as_str()), (422, Some("images_data_url")));
}

#[tokio::test]
async fn faults_come_as_configured() {
    let (emu, http) = emulator(instant()).await;
    emu.fail_next([Fault::Status(503), Fault::UserTimeout, Fault::Status(502)]);
    let (code, body) = submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x"})).await;
    assert_eq!((code, body["error_type"].as_str()), (503, Some("runner_connection_refused")));
    let r = http
        .post(format!("{}/fal-ai/flux-lora", emu.url()))
        .header("authorization", KEY)
        .json(&json!({"prompt": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 504);
    assert_eq!(r.headers()["x-fal-request-timeout-type"], "user");
    assert_eq!(submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x"})).await.0, 502);
    assert_eq!(submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x"})).await.0, 200, "then back to normal");
    assert_eq!(emu.count_calls("POST", "/fal-ai/flux-lora"), 4);

    emu.update(|k| k.locked = true);
    let (code, body) = submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x"})).await;
    assert_eq!(code, 403);
    assert!(body["detail"].as_str().unwrap().contains("Exhausted balance"));

    emu.set_knobs(Knobs {
        invalid_marker: Some("#bad".into()),
        content_policy_marker: Some("#policy".into()),
        nsfw_marker: Some("#nsfw".into()),
        nsfw_count: Some(1),
        short_marker: Some("#short".into()),
        stuck_marker: Some("#stuck".into()),
        ..instant()
    });
    let outcome = |prompt: &'static str| {
        let http = http.clone();
        let emu_url = emu.url();
        async move {
            let input = json!({"prompt": prompt, "num_images": 3});
            let r = http
                .post(format!("{emu_url}/fal-ai/flux-lora"))
                .header("authorization", KEY)
                .json(&input)
                .send()
                .await
                .unwrap();
            let sub: Value = r.json().await.unwrap();
            wait_completed(&http, sub["status_url"].as_str().unwrap()).await;
            get(&http, sub["response_url"].as_str().unwrap()).await
        }
    };
    let (code, body) = outcome("a #bad prompt").await;
    assert_eq!((code, body["detail"][0]["loc"][1].as_str()), (422, Some("prompt")));
    let (code, body) = outcome("a #policy prompt").await;
    assert_eq!((code, body["detail"][0]["type"].as_str()), (422, Some("content_policy_violation")));
    let (_, body) = outcome("a #nsfw prompt").await;
    assert_eq!(body["has_nsfw_concepts"], json!([true, false, false]));
    let black = image::load_from_memory(&download(&http, body["images"][0]["url"].as_str().unwrap()).await).unwrap();
    assert!(black.to_rgb8().pixels().all(|p| p.0 == [0, 0, 0]), "flagged images come back black");
    let (_, body) = outcome("a #short prompt").await;
    assert_eq!(body["images"].as_array().unwrap().len(), 2);

    let (_, sub) = submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "#stuck"})).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let id = sub["request_id"].as_str().unwrap();
    assert_eq!(emu.request(id).unwrap().phase, Phase::InProgress);
    emu.complete_now(id);
    assert_eq!(get(&http, sub["status_url"].as_str().unwrap()).await.1["status"], "COMPLETED");

    emu.update(|k| {
        k.error_rate = 1.0;
        k.error_status = 429;
    });
    assert_eq!(submit(&http, &emu, "fal-ai/flux-lora", json!({"prompt": "x"})).await.0, 429);
    emu.update(|k| k.error_rate = 0.0);
    emu.fail_next_downloads([Fault::Status(500)]);
    let url = body["images"][0]["url"].as_str().unwrap();
    assert_eq!(http.get(url).send().await.unwrap().status().as_u16(), 500);
    assert!(http.get(url).send().await.unwrap().status().is_success());
}

#[tokio::test]
async fn knobs_can_be_set_over_http() {
    let (emu, http) = emulator(Knobs::default()).await;
    let mut knobs: Value =
        http.get(format!("{}/_control/knobs", emu.url())).send().await.unwrap().json().await.unwrap();
    knobs["latency_ms"] = json!(5);
    knobs["webhooks"]["duplicates"] = json!(2);
    let r = http.put(format!("{}/_control/knobs", emu.url())).json(&knobs).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!((emu.knobs().latency_ms, emu.knobs().webhooks.duplicates), (5, 2));
}

/// Deliveries as received: headers and raw body.
type Deliveries = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A webhook receiver that records every delivery and answers with `status`.
struct Receiver {
    url: String,
    got: Deliveries,
    status: Arc<Mutex<u16>>,
}

async fn receiver() -> Receiver {
    let got: Deliveries = Arc::default();
    let status = Arc::new(Mutex::new(200u16));
    let (g, s) = (got.clone(), status.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (g, s) = (g.clone(), s.clone());
            async move {
                g.lock().unwrap().push((headers, body.to_vec()));
                axum::http::StatusCode::from_u16(*s.lock().unwrap()).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, got, status }
}

async fn jwks(http: &reqwest::Client, emu: &FalEmulator) -> Vec<VerifyingKey> {
    let doc: Value = http.get(emu.jwks_url()).send().await.unwrap().json().await.unwrap();
    doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(k["x"].as_str().unwrap()).unwrap();
            VerifyingKey::from_bytes(&raw.try_into().unwrap()).unwrap()
        })
        .collect()
}

fn signed_by(keys: &[VerifyingKey], headers: &HeaderMap, body: &[u8]) -> bool {
    let h = |n: &str| headers[n].to_str().unwrap().to_owned();
    let message = format!(
        "{}\n{}\n{}\n{}",
        h("x-fal-webhook-request-id"),
        h("x-fal-webhook-user-id"),
        h("x-fal-webhook-timestamp"),
        hex::encode(Sha256::digest(body))
    );
    let sig = Signature::from_slice(&hex::decode(h("x-fal-webhook-signature")).unwrap()).unwrap();
    keys.iter().any(|k| k.verify(message.as_bytes(), &sig).is_ok())
}

async fn wait_for(what: impl Fn() -> bool) {
    for _ in 0..300 {
        if what() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting");
}

#[tokio::test]
async fn webhooks_are_signed_and_follow_their_knobs() {
    let (emu, http) = emulator(instant()).await;
    let hook = receiver().await;
    let keys = jwks(&http, &emu).await;
    assert!(keys.iter().any(|k| k.to_bytes() == emu.public_key()));
    let with_hook = |model: &str| format!("{}/{model}?fal_webhook={}", emu.url(), hook.url);

    let r = http
        .post(with_hook("fal-ai/flux-lora"))
        .header("authorization", KEY)
        .json(&json!({"prompt": "x"}))
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["request_id"].as_str().unwrap().to_owned();
    wait_for(|| hook.got.lock().unwrap().len() == 1).await;
    let (headers, body) = hook.got.lock().unwrap()[0].clone();
    assert!(signed_by(&keys, &headers, &body));
    let delivered: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((delivered["request_id"].as_str(), delivered["status"].as_str()), (Some(id.as_str()), Some("OK")));
    assert!(delivered["payload"]["images"][0]["url"].is_string());

    // held, then released in reverse with a duplicate of each after the firsts
    emu.update(|k| k.webhooks = WebhookKnobs { hold: true, duplicates: 1, ..WebhookKnobs::default() });
    let mut ids = Vec::new();
    for prompt in ["first", "second"] {
        let r = http
            .post(with_hook("fal-ai/imagen4/preview"))
            .header("authorization", KEY)
            .json(&json!({"prompt": prompt}))
            .send()
            .await
            .unwrap();
        ids.push(r.json::<Value>().await.unwrap()["request_id"].as_str().unwrap().to_owned());
    }
    wait_for(|| emu.held_webhooks() == 2).await;
    emu.release_webhooks(Order::Reversed).await;
    let order: Vec<String> = hook.got.lock().unwrap()[1..]
        .iter()
        .map(|(h, _)| h["x-fal-webhook-request-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, [ids[1].clone(), ids[0].clone(), ids[1].clone(), ids[0].clone()]);

    // a wrong key, a stale clock, and a receiver that keeps failing (retried)
    emu.update(|k| {
        k.webhooks =
            WebhookKnobs { bad_signature: true, skew_secs: -600, retries: 2, retry_ms: 10, ..WebhookKnobs::default() }
    });
    *hook.status.lock().unwrap() = 401;
    let r = http
        .post(with_hook("fal-ai/flux-lora"))
        .header("authorization", KEY)
        .json(&json!({"prompt": "y"}))
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["request_id"].as_str().unwrap().to_owned();
    wait_for(|| emu.webhook_log().iter().filter(|a| a.request_id == id).count() == 3).await;
    let (headers, body) = hook.got.lock().unwrap().last().unwrap().clone();
    assert!(!signed_by(&keys, &headers, &body), "signed with an unpublished key");
    let ts: i64 = headers["x-fal-webhook-timestamp"].to_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!(now - ts >= 590, "ten minutes old");

    // an error completes with an ERROR delivery carrying the error body
    emu.update(|k| {
        k.webhooks = WebhookKnobs::default();
        k.invalid_marker = Some("#bad".into());
    });
    *hook.status.lock().unwrap() = 200;
    http.post(with_hook("fal-ai/flux-lora"))
        .header("authorization", KEY)
        .json(&json!({"prompt": "#bad"}))
        .send()
        .await
        .unwrap();
    wait_for(|| {
        hook.got.lock().unwrap().iter().any(|(_, b)| serde_json::from_slice::<Value>(b).unwrap()["status"] == "ERROR")
    })
    .await;
    let got = hook.got.lock().unwrap();
    let (_, body) = got.iter().find(|(_, b)| serde_json::from_slice::<Value>(b).unwrap()["status"] == "ERROR").unwrap();
    let error: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(error["error"], "Invalid status code: 422");
    assert_eq!(error["payload"]["detail"][0]["loc"][1], "prompt");
}

#[tokio::test]
async fn every_output_validates_against_fals_published_output_schema() {
    use aisha_sandbox::fal::schemas::{self, Direction};
    let (emu, http) = emulator(instant()).await;
    let (_, initiate) = http
        .post(format!("{}/storage/upload/initiate?storage_type=fal-cdn-v3", emu.url()))
        .header("authorization", KEY)
        .json(&json!({"file_name": "a.zip", "content_type": "application/zip"}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let target: Value = initiate.json().await.unwrap();
    let mut checked = vec![];
    assert_eq!(schemas::check(schemas::STORAGE_INITIATE, Direction::Output, &target), Some(vec![]), "{target}");
    checked.push(schemas::STORAGE_INITIATE.to_owned());
    http.put(target["upload_url"].as_str().unwrap()).body(b"PK\x03\x04".to_vec()).send().await.unwrap();
    let archive = target["file_url"].as_str().unwrap().to_owned();
    for endpoint in schemas::endpoints().filter(|e| *e != schemas::STORAGE_INITIATE) {
        let input = if endpoint.contains("train") {
            json!({"images_data_url": archive})
        } else if endpoint == "openrouter/router/vision" {
            json!({"model": "google/gemini-2.5-flash", "prompt": "describe", "image_urls": [archive]})
        } else if endpoint.starts_with("openrouter/") {
            json!({"model": "google/gemini-2.5-flash", "prompt": "a lighthouse at dawn"})
        } else {
            json!({"prompt": "a lighthouse at dawn"})
        };
        let (code, sub) = submit(&http, &emu, endpoint, input).await;
        assert_eq!(code, 200, "{endpoint}: {sub}");
        wait_completed(&http, sub["status_url"].as_str().unwrap()).await;
        let (code, out) = get(&http, sub["response_url"].as_str().unwrap()).await;
        assert_eq!(code, 200, "{endpoint}: {out}");
        let violations = schemas::check(endpoint, Direction::Output, &out).expect("vendored");
        assert!(violations.is_empty(), "{endpoint}: {violations:?}\n{out}");
        checked.push(endpoint.to_owned());
    }
    println!("{} outputs validated: {}", checked.len(), checked.join(", "));
    assert_eq!(checked.len(), schemas::endpoints().count());
}
