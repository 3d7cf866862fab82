// tpx-gateway: one entry point for the server, migrations, the simulator and the admin commands.
import { Command } from 'commander'
import { VERSION } from '../version.ts'
import { serveCommand } from './commands/serve.ts'
import { migrateCommand } from './commands/migrate.ts'
import { simulatorCommand } from './commands/simulator.ts'
import { teamsCommand } from './commands/teams.ts'
import { keysCommand } from './commands/keys.ts'
import { usageCommand } from './commands/usage.ts'
import { budgetCommand } from './commands/budget.ts'
import { accountCommand } from './commands/account.ts'
import { auditCommand } from './commands/audit.ts'
import { webhooksCommand } from './commands/webhooks.ts'
import { reportsCommand } from './commands/reports.ts'

const program = new Command('tpx-gateway')
  .description('Self-hosted gateway and policy proxy for the TensorPix API')
  .version(VERSION)
  .showHelpAfterError()

program.addCommand(serveCommand(), { isDefault: true })
program.addCommand(migrateCommand())
program.addCommand(simulatorCommand())
program.addCommand(teamsCommand())
program.addCommand(keysCommand())
program.addCommand(usageCommand())
program.addCommand(budgetCommand())
program.addCommand(accountCommand())
program.addCommand(auditCommand())
program.addCommand(webhooksCommand())
program.addCommand(reportsCommand())

await program.parseAsync(process.argv)
