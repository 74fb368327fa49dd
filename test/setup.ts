// Runs in every test file: what tempDir made is removed after the file's last test.
import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/temp.ts';

afterAll(removeTempDirs);
