// The bundle's entry point: nothing but the call, so main.ts can be imported by tests.
import { run } from './main.js';

void run();
