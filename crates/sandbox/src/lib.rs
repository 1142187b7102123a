#![doc = include_str!("../README.md")]

pub mod fal;
pub mod rng;
pub mod telegram;
pub mod web;
