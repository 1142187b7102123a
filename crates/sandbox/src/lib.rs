#![doc = include_str!("../README.md")]

pub mod fal;
pub mod telegram;
pub mod web;
