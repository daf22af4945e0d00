#!/usr/bin/env node
// Entry point of the SIEM forwarders (one consumer group per configured format). Settings:
// processors/sinks/siem/main.ts (ARBITER_SIEM_CONFIG, validated once at startup).
import { main } from '../sinks/siem/main.ts';

await main();
