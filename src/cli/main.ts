import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../store/config-file.ts';
import { scanCommand } from './scan-command.ts';
import { startCommand } from './start-command.ts';

const HELP = `Sunplug: local home energy manager (OCPP central system, Modbus meters, solar and fuse-safe charging)

Usage: sunplug <command> [options]

Commands:
  start                  Run Sunplug. Without a config file it runs the demo with simulated devices.
      --config FILE        Installation config (YAML); also SUNPLUG_CONFIG
      --data-dir DIR       Where Sunplug keeps its data; also SUNPLUG_DATA_DIR (default ./data)
      --demo               Run the simulated devices even when a config file is given
      --speed N            Demo only: run the simulated day N times faster (default 1)
      --demo-start TIME    Demo only: simulated start, ISO 8601 (default 12:00 site time on 21 June this year)
      --http-port N        Override http.port; --ocpp-port N overrides ocpp.port
  check-config FILE      Validate a config file and print every problem with its path
  scan --host HOST       Find Modbus devices (SunSpec and known profiles), show their live power and a config snippet
      --port 502,1502      TCP ports to try; --units 1,2,3,71,126,200-204,240 unit ids; --timeout MS per answer
      --json               Print only a JSON array of the devices found (exit 0 found, 1 none, 2 bad arguments)
  help                   Show this help
  version                Print the version
`;

/** Runs one command and returns the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    case 'version':
    case '--version':
      process.stdout.write('sunplug 0.1.0\n');
      return 0;
    case 'check-config':
      return checkConfig(rest);
    case 'start':
      return startCommand(rest);
    case 'scan':
      return scanCommand(rest);
    default:
      process.stderr.write(`sunplug: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

async function checkConfig(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write('usage: sunplug check-config FILE\n');
    return 2;
  }
  try {
    const config = await loadConfigFile(file);
    process.stdout.write(`${file}: OK (${config.meters.length} meters, ${config.chargers.length} chargers)\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
