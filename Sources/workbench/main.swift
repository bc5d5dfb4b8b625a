import Workbench
print("workbench \(workbenchVersion)")
